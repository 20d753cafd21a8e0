#!/usr/bin/env python3
"""One headless Chromium for a whole browser test, driven over the Chrome DevTools
Protocol (--remote-debugging-pipe: no port, no WebSocket; the browser ends when this
driver does).

    cdp_browser.py WORK_DIR  <REQUESTS  >ANSWERS   (Chromium's own log goes to stderr)

The test script writes requests on the driver's stdin: the fields of one request each
end in a NUL byte, and an empty field ends the request (bash:
`printf '%s\\0' open anna URL; printf '\\0'`). For each request the driver writes one line
"STATUS N" to stdout (STATUS: ok, timeout or error) and then the N lines of the answer.
On start it answers once without a request: "ok 1" and the browser's process id (also
its process group's) when the browser is up.

Requests:
  open PROFILE URL UNTIL [size=WIDTHxHEIGHT] [agent=USER_AGENT]
      Closes the last page and opens URL in a new page of PROFILE's browser context
      (PROFILE: a name; pages of one profile share cookies and localStorage, as one
      browser's profile would; profiles see nothing of each other). Then evaluates the
      JavaScript expression UNTIL every 50 ms until it is true: "ok", or "timeout" when
      it is still false after 30 s. size= sets the viewport before the page loads, agent=
      the browser's User-Agent for this page. Spaces and non-ASCII in
      URL are percent-encoded; write & = # + % inside a value as %XX.
  eval EXPRESSION      the value of a JavaScript expression on the page, as text.
  console              what the page logged since it was opened: console calls
                       ("console.TYPE: TEXT (URL)"), uncaught exceptions ("exception:
                       TEXT (URL)") and the browser's own messages ("log.SOURCE.LEVEL:
                       TEXT (URL)"), one per line.
  screenshot FILE      a PNG of the page's viewport, scroll bars hidden.
On stdin's end (the test script exited, however it ended) or SIGTERM the driver closes
the browser and kills whatever of its processes is left.
"""

import base64
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.parse

DEADLINE_S = 30.0
POLL_S = 0.05


class BrowserGone(Exception):
    pass


class Browser:
    def __init__(self, work):
        chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        home = os.path.join(work, "home")
        os.makedirs(home, exist_ok=True)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
        env.setdefault("LANG", "en_US.UTF-8")
        # Chromium reads commands from fd 3 and writes answers and events to fd 4.
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Out of the way of 3 and 4, which the child's copies take.
        keep = [os.dup(fd) for fd in (to_chrome_r, from_chrome_w)]
        while min(keep) <= 4:
            keep = [os.dup(fd) for fd in keep]

        def child_fds():
            os.dup2(keep[0], 3)
            os.dup2(keep[1], 4)

        # Without the background-networking flags Chromium keeps trying hosts this
        # offline machine cannot reach.
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--remote-debugging-pipe",
             "--user-data-dir=" + os.path.join(work, "profile"), "about:blank"],
            stdin=subprocess.DEVNULL, stdout=sys.stderr, env=env, pass_fds=(3, 4),
            preexec_fn=child_fds, start_new_session=True)
        for fd in keep + [to_chrome_r, from_chrome_w]:
            os.close(fd)
        self.out = to_chrome_w
        self.inp = from_chrome_r
        self.buffer = b""
        self.next_id = 0
        self.answers = {}
        self.contexts = {}   # profile -> browserContextId
        self.page = None     # (targetId, sessionId) of the open page
        self.logged = []     # what the open page logged

    # ---- the protocol ----

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            try:
                data = data[os.write(self.out, data):]
            except BrokenPipeError:
                raise BrowserGone("the browser closed its pipe")
        return self.next_id

    def pump(self, timeout):
        """Reads what the browser sent within timeout seconds; handles its events."""
        ready, _, _ = select.select([self.inp], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self.inp, 1 << 20)
        if not chunk:
            raise BrowserGone("the browser exited (status %s)" % self.proc.poll())
        self.buffer += chunk
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            message = json.loads(raw)
            if "id" in message:
                self.answers[message["id"]] = message
            else:
                self.event(message)

    def call(self, method, params=None, session=None, timeout=DEADLINE_S):
        wanted = self.send(method, params, session)
        end = time.monotonic() + timeout
        while wanted not in self.answers:
            left = end - time.monotonic()
            if left <= 0:
                raise BrowserGone("no answer to %s within %.0f s" % (method, timeout))
            self.pump(left)
        answer = self.answers.pop(wanted)
        if "error" in answer:
            raise RuntimeError("%s: %s" % (method, answer["error"].get("message")))
        return answer.get("result", {})

    def event(self, message):
        if not self.page or message.get("sessionId") != self.page[1]:
            return
        method, p = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", a.get("type"))))
                            for a in p.get("args", []))
            frames = (p.get("stackTrace") or {}).get("callFrames") or [{}]
            self.logged.append("console.%s: %s (%s)" % (p.get("type"), text,
                                                         frames[0].get("url", "")))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = (d.get("exception") or {}).get("description") or d.get("text", "")
            self.logged.append("exception: %s (%s)" % (text, d.get("url", "")))
        elif method == "Log.entryAdded":
            e = p.get("entry", {})
            self.logged.append("log.%s.%s: %s (%s)" % (e.get("source"), e.get("level"),
                                                       e.get("text"), e.get("url", "")))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True,
                                                "awaitPromise": True}, self.page[1])
        if "exceptionDetails" in result:
            d = result["exceptionDetails"]
            raise RuntimeError((d.get("exception") or {}).get("description") or d.get("text"))
        return result.get("result", {}).get("value")

    # ---- requests ----

    def open(self, profile, url, until, *options):
        size = agent = ""
        for option in options:
            name, _, value = option.partition("=")
            if name == "size":
                size = value
            elif name == "agent":
                agent = value
            else:
                raise RuntimeError("unknown option " + option)
        self.close_page()
        if profile not in self.contexts:
            self.contexts[profile] = self.call("Target.createBrowserContext")["browserContextId"]
        target = self.call("Target.createTarget", {
            "url": "about:blank", "browserContextId": self.contexts[profile]})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        self.page = (target, session)
        self.logged = []
        for domain in ("Runtime", "Log", "Page"):
            self.call(domain + ".enable", session=session)
        if size:
            width, height = (int(n) for n in size.split("x"))
            self.call("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session)
        if agent:
            self.call("Emulation.setUserAgentOverride", {"userAgent": agent}, session)
        url = urllib.parse.quote(url, safe="/:?&=%#@,;+~!$'()*[]")
        nav = self.call("Page.navigate", {"url": url}, session)
        if nav.get("errorText"):
            raise RuntimeError("%s: %s" % (url, nav["errorText"]))
        end = time.monotonic() + DEADLINE_S
        while True:
            try:
                if self.evaluate(until):
                    return "ok", []
            except RuntimeError:
                pass  # no document yet, or the page navigates on: ask again
            if time.monotonic() >= end:
                return "timeout", ["still false after %.0f s: %s" % (DEADLINE_S, until)]
            poll = time.monotonic() + POLL_S
            while time.monotonic() < poll:
                self.pump(max(0.0, poll - time.monotonic()))

    def close_page(self):
        if self.page:
            self.call("Target.closeTarget", {"targetId": self.page[0]})
            self.page = None

    def request(self, fields):
        command, args = fields[0], fields[1:]
        if command == "open":
            return self.open(*args)
        if not self.page:
            raise RuntimeError("no page open")
        if command == "eval":
            value = self.evaluate(args[0])
            return "ok", ("" if value is None else str(value)).split("\n")
        if command == "console":
            self.evaluate("0")  # every event sent before this answer is in now
            return "ok", list(self.logged)
        if command == "screenshot":
            self.call("Emulation.setScrollbarsHidden", {"hidden": True}, self.page[1])
            shot = self.call("Page.captureScreenshot", {"format": "png"}, self.page[1])
            with open(args[0], "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            return "ok", []
        raise RuntimeError("unknown request " + command)

    def close(self):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if self.proc.poll() is None:
                self.call("Browser.close", timeout=5)
                self.proc.wait(timeout=5)
        except BaseException:
            pass
        finally:
            # The renderers and helpers are in the browser's process group.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()


def answer(status, lines):
    lines = [line.replace("\n", " ") for line in lines]
    sys.stdout.write("%s %d\n" % (status, len(lines)))
    for line in lines:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


def requests(stream):
    """Yields the requests on stream: lists of fields, each ended by NUL, an empty field
    ending the request."""
    buffer, fields = b"", []
    while True:
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            return
        buffer += chunk
        while b"\0" in buffer:
            field, buffer = buffer.split(b"\0", 1)
            if field:
                fields.append(field.decode())
            elif fields:
                yield fields
                fields = []


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: cdp_browser.py WORK_DIR")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(1))
    browser = Browser(sys.argv[1])
    try:
        try:
            browser.call("Browser.getVersion")
        except BrowserGone as e:
            answer("error", [str(e)])
            return
        answer("ok", [str(browser.proc.pid)])
        for fields in requests(sys.stdin):
            try:
                answer(*browser.request(fields))
            except BrowserGone as e:
                answer("error", [str(e)])
                return
            except (RuntimeError, TypeError, ValueError, OSError) as e:
                answer("error", ["%s: %s" % (fields[0], e)])
    finally:
        browser.close()


if __name__ == "__main__":
    main()
