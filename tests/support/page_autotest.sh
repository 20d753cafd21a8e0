#!/usr/bin/env bash
# Loads the hub page in headless Chromium in its test mode: ?autotest=TEXT&user=ID signs
# in as ID, sends TEXT to the bot by direct message and writes the page's language and the
# reply into #autotest-result. Prints that result ("LANG: ...", "HEADING: ...",
# "PLACEHOLDER: ...", "PANEL: ..." with EXTRA=panel=1, "REPLY: ..." lines).
#
#   tests/support/page_autotest.sh PORT USER TEXT WORK_DIR [EXTRA_QUERY]
#
# Exit status: 0 when the page was loaded, 1 when Chromium failed, 77 without Chromium.
# CHROMIUM overrides the browser.
set -euo pipefail
port=$1 user=$2 text=$3 work=$4 extra=${5:-}
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
    echo "SKIP: $chromium not found" >&2
    exit 77
fi
quoted=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$text")
mkdir -p "$work/home"
# Without the background-networking flags Chromium keeps trying hosts this offline
# machine cannot reach.
dom=$(HOME="$work/home" XDG_CONFIG_HOME="$work/home" XDG_CACHE_HOME="$work/home" \
    timeout --kill-after=5 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$user" --virtual-time-budget=10000 --dump-dom \
    "http://127.0.0.1:$port/?autotest=$quoted&user=$user${extra:+&$extra}" 2>>"$work/chromium.log") || {
    echo "chromium exited with status $?" >&2
    exit 1
}
# Every line of the result (a reply may have several), HTML entities decoded.
/usr/bin/python3 -c '
import html, re, sys
m = re.search(r"id=\"autotest-result\">(.*?)</pre>", sys.stdin.read(), re.S)
print(html.unescape(m.group(1)) if m else "")' <<<"$dom"
