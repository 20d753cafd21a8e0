#!/usr/bin/env python3
"""A small SMTP relay on 127.0.0.1 for the browser tests of mail the program sends.

    fake_smtp.py DIR

Listens on a free port and prints "listening PORT"; writes each accepted message to
DIR/mail-N.txt as "To: ADDRESS" on the first line, then the decoded text body. Runs until
killed. Clear text only, AUTH PLAIN accepted (the tests' relay needs no password).
"""
import base64
import email
import email.policy
import os
import socketserver
import sys
import threading

out_dir = sys.argv[1]
counter = [0]
lock = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    def say(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.say("220 fake.smtp.test ESMTP")
        rcpt = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.say("250-fake.smtp.test\r\n250 AUTH PLAIN")
            elif verb == "AUTH":
                self.say("235 ok")
            elif verb == "MAIL":
                rcpt = []
                self.say("250 ok")
            elif verb == "RCPT":
                rcpt.append(line[line.find("<") + 1:line.find(">")])
                self.say("250 ok")
            elif verb == "DATA":
                self.say("354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data.append(l[1:] if l.startswith(b"..") else l)
                msg = email.message_from_bytes(b"".join(data), policy=email.policy.default)
                body = msg.get_body(preferencelist=("plain",)).get_content()
                with lock:
                    counter[0] += 1
                    name = os.path.join(out_dir, "mail-%d.txt" % counter[0])
                with open(name + ".tmp", "w", encoding="utf-8") as f:
                    f.write("To: %s\nSubject: %s\n%s" % (",".join(rcpt), msg["subject"], body))
                os.rename(name + ".tmp", name)
                self.say("250 queued")
            elif verb == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 ok")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Session)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
