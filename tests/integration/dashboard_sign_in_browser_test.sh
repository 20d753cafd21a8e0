#!/usr/bin/env bash
# Browser test of the dashboard behind the hub's real sign-in: `twintrack run --demo` with
# a hub that asks people to sign in (`sign_in: [link]`) and mails the links through a fake
# SMTP relay on loopback (tests/support/fake_smtp.py). In one headless Chromium, a sales
# manager (Emily Carter), a sales staff member (Anna Becker) and HR (刘洋) each ask for a
# link on the chat page, open the mailed link in their own browser context and then open
# /dashboard with that session only (no ?user=):
# - each sees their pages drawn, and the manager's figures equal `metrics` asked in the
#   chat with the same session;
# - the staff member's session cannot open another department's figures by URL
#   (&department=marketing), the activities, or another person's view by naming them
#   (&user=emily), and the bot does not take a named user from a browser without a
#   session: the dashboard sends it to the sign-in page;
# - HR sees the activities in Chinese (her language).
#
#   tests/integration/dashboard_sign_in_browser_test.sh PATH/TO/twintrack
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

program=${1:?usage: dashboard_sign_in_browser_test.sh PATH/TO/twintrack}
support="$(dirname "$0")/../support"
demo_config="$(dirname "$0")/../../config/demo/twintrack.yaml"
# shellcheck source=../support/cdp_browser.sh
source "$support/cdp_browser.sh"
browser_test_setup twintrack_dashboard_sign_in out.log err.log console.log
start_fake_smtp

# The demo's settings with a hub that signs people in; the links in the mails carry the
# hub's address, so its port is chosen here.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$demo_config" "$work/twintrack.yaml"
cat >>"$work/twintrack.yaml" <<YAML

connectors:
  - type: hub
    name: hub
    port: $port
    sign_in: [link]
    smtp:
      host: 127.0.0.1
      port: $smtp_port
      security: none
      from: twintrack@example.com
YAML

"$program" run --demo --config "$work/twintrack.yaml" --data "$work/data" \
    >"$work/out.log" 2>"$work/err.log" &
pid=$!
started $pid
up=
for _ in $(seq 300); do
    grep -q "listening on http://127.0.0.1:$port" "$work/out.log" 2>/dev/null && { up=1; break; }
    kill -0 "$pid" 2>/dev/null || fail "twintrack exited"
    sleep 0.1
done
[[ -n $up ]] || fail "twintrack did not start on port $port"
cdp_start

result=
chat() {  # chat PROFILE TEXT [EXTRA_QUERY]: the chat page's test mode in that browser
    local out="document.getElementById('autotest-result').textContent"
    local until="/^(REPLY|SIGNED OUT|LINK ERROR): /m.test($out)"
    [[ ${3:-} == link=* ]] && until="/^LINK: /m.test($out)"
    cdp open "$1" "http://127.0.0.1:$port/?autotest=$2${3:+&$3}" "$until" ||
        [[ $reply == "still false"* ]] || fail "chromium failed: $reply"
    cdp eval "$out" || fail "chromium failed: $reply"
    result=$reply
}
mails=0
sign_in() {  # sign_in PROFILE EMAIL: asks for a link in that browser and opens it there
    chat "$1" help "link=$2"
    grep -q "^LINK: " <<<"$result" || fail "$2 could not ask for a link ($result)"
    mails=$((mails + 1))
    local mail="$work/mail/mail-$mails.txt"
    for _ in $(seq 100); do [[ -f $mail ]] && break; sleep 0.1; done
    [[ -f $mail ]] || fail "no mail arrived for $2"
    head -n 1 "$mail" | grep -qxF "To: $2" || fail "the mail went to $(head -n 1 "$mail"), not $2"
    local link
    link=$(grep -o "http://127.0.0.1:$port/?sign_in=[0-9a-f]*" "$mail" || true)
    [[ -n $link ]] || fail "no sign-in link in the mail: $(cat "$mail")"
    chat "$1" help "sign_in=${link##*=}"
    grep -q "^USER: " <<<"$result" || fail "$2 is not signed in by the link ($result)"
}

ready="document.body.dataset.ready === '1'"
dashboard() {  # dashboard PROFILE QUERY: /dashboard?QUERY in that browser; report in $result
    local url="http://127.0.0.1:$port/dashboard?$2"
    cdp open "$1" "$url" "$ready" || fail "the page $url was not drawn: $reply"
    cdp eval "document.getElementById('dashboard-status').textContent" ||
        fail "chromium failed on $url: $reply"
    result=$reply
    cdp eval "document.documentElement.outerHTML" || fail "chromium failed on $url: $reply"
    printf '%s\n' "$reply" >"$work/dom.html"
    cdp console || fail "chromium failed on $url: $reply"
    printf '%s\n' "$reply" >"$work/console.log"
    if grep -E '^(console|exception)' "$work/console.log" | grep -q "127.0.0.1:$port"; then
        fail "console messages on $url: $(grep -E '^(console|exception)' "$work/console.log")"
    fi
    grep -qx "ERRORS: 0" <<<"$result" || fail "script errors on $url ($result)"
}
expect() {  # expect LINE: the last page reported this line
    grep -qxF "$1" <<<"$result" || fail "the page did not report '$1' (got: $result)"
}
expect_charts() {
    local canvases
    canvases=$(grep -o '^CANVAS: [0-9]*' <<<"$result" | grep -o '[0-9]*$')
    [[ ${canvases:-0} -gt 0 ]] || fail "no chart drawn ($result)"
}
figure() {  # figure KEY: the value the last dashboard page showed for KEY
    sed -n "s/^FIGURE $1: //p" <<<"$result" | head -n 1
}

# Without a session the dashboard sends the browser to the sign-in page, whoever the URL
# names; the API answers nobody.
cdp open nobody "http://127.0.0.1:$port/dashboard?page=metrics&user=emily" \
    "location.pathname === '/' && document.readyState === 'complete'" ||
    fail "the dashboard without a session did not go to the sign-in page: $reply"
code=$(/usr/bin/python3 -c '
import sys, urllib.error, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1]).status)
except urllib.error.HTTPError as e:
    print(e.code)' "http://127.0.0.1:$port/api/v1/dashboard/metrics?user=emily")
[[ $code == 401 ]] || fail "the dashboard's API without a session answered $code, not 401"
echo "PASS: no session, no dashboard (the page goes to sign-in, the API answers 401)"

# The manager: every page with her session, and her figures are `metrics`'s.
sign_in emily-browser emily.carter@example.com
for page in metrics engagements intel activities; do
    dashboard emily-browser "page=$page"
    expect "PAGE: $page"
    expect "LOCALE: en"
    expect_charts
done
dashboard emily-browser "page=metrics"
revenue=$(figure revenue)
won=$(figure deals_won)
[[ -n $revenue && -n $won ]] || fail "no revenue or deals won on the page ($result)"
chat emily-browser metrics
grep -qF "Revenue $revenue CNY" <<<"$result" ||
    fail "the page shows revenue $revenue, the metrics command: $(grep -m1 Revenue <<<"$result")"
grep -qF "Deals won $won " <<<"$result" || fail "the page shows $won deals won ($result)"
echo "PASS: the signed-in manager sees every page; revenue $revenue and $won won as metrics"

# The staff member: her own figures; another department, the activities and another
# person's view by URL are refused with her real session.
sign_in anna-browser anna.becker@example.com
dashboard anna-browser "page=metrics"
expect "PAGE: metrics"
expect_charts
dashboard anna-browser "page=metrics&department=marketing"
expect "REFUSED: 403"
expect "CANVAS: 0"
dashboard anna-browser "page=activities"
expect "REFUSED: 403"
# The page never names anyone with a session; a request that does (from her browser, with
# her cookie) is refused, as is another department asked of the API directly.
fetch_status() {  # fetch_status PROFILE PATH: the status of a fetch from that browser's page
    cdp eval "fetch('$2', {cache: 'no-store'}).then((r) => r.status)" ||
        fail "chromium failed to fetch $2: $reply"
    printf '%s' "$reply"
}
[[ $(fetch_status anna-browser "/api/v1/dashboard/engagements") == 200 ]] ||
    fail "her own engagements were refused to the staff member's session"
[[ $(fetch_status anna-browser "/api/v1/dashboard/engagements?user=emily") == 403 ]] ||
    fail "the staff member's session read the manager's view by naming her"
[[ $(fetch_status anna-browser "/api/v1/dashboard/intel?department=marketing") == 403 ]] ||
    fail "the staff member's session read another department's intel"
echo "PASS: a signed-in staff member cannot open another department's or person's data by URL"

# HR: the activities, in her language.
sign_in liuyang-browser liu.yang@example.com
dashboard liuyang-browser "page=activities"
expect "PAGE: activities"
expect "LOCALE: zh-CN"
expect_charts
grep -qF "召开的联合会议" "$work/dom.html" || fail "HR's activities are not in Chinese"
echo "PASS: signed-in HR sees the activities in Chinese"
