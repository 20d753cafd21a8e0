#!/usr/bin/env bash
# Browser test of the hub's web page: starts hub_echo (the hub with a fake bot), loads the
# page in one headless Chromium in its test mode (?autotest=help&user=alice: sign in as
# alice, send "help" to the bot, write the reply into #autotest-result) and checks that
# the bot's reply reached the page; then presses a button of a bot post and checks that
# the post was updated, and presses a stale one and checks the private refusal; uploads a
# picture from the page and checks that it is shown back.
#
#   tests/hub/browser_test.sh PATH/TO/hub_echo
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

hub_echo=${1:?usage: browser_test.sh PATH/TO/hub_echo}

support="$(dirname "$0")/../support"
# shellcheck source=../support/cdp_browser.sh
source "$support/cdp_browser.sh"
browser_test_setup hub_browser hub.log

# A coprocess keeps hub_echo's stdin open for as long as this script runs.
coproc HUB { exec "$hub_echo" --data-dir "$work/data" 2>"$work/hub.log"; }
started "$HUB_PID"
read -r -t 10 word port <&"${HUB[0]}" || fail "hub_echo did not print its port"
[[ $word == listening && $port =~ ^[0-9]+$ ]] || fail "unexpected hub_echo output: $word $port"
cdp_start

result=
chat() {  # chat PROFILE TEXT [EXTRA_QUERY]: the page's test mode (?autotest=TEXT&user=PROFILE)
    # in that profile's browser context; what the page wrote into #autotest-result in $result
    local out="document.getElementById('autotest-result').textContent"
    # The page's report ends with its REPLY line, or without a session with SIGNED OUT.
    cdp open "$1" "http://127.0.0.1:$port/?autotest=$2&user=$1${3:+&$3}" \
        "/^(REPLY|SIGNED OUT): /m.test($out)" || [[ $reply == "still false"* ]] ||
        fail "chromium failed: $reply"
    cdp eval "$out" || fail "chromium failed: $reply"
    result=$reply
}

chat alice help
helped=$result
if ! grep -q 'REPLY: Commands:' <<<"$helped"; then
    fail "the bot's reply did not appear in the page (autotest result: '$helped')"
fi

# Buttons: "buttons" gets a post with an Approve button; the page presses it, and the
# hub's update frame replaces the button with the outcome.
chat bob buttons click=1
clicked=$result
grep -q 'BUTTONS: Approve' <<<"$clicked" || fail "no Approve button in the page ('$clicked')"
grep -q 'UPDATED: Announcement #1 waits for your approval. | Approved by bob' <<<"$clicked" ||
    fail "the click did not update the message ('$clicked')"
grep -q 'BUTTONS LEFT: 0' <<<"$clicked" || fail "the button is still shown ('$clicked')"

# A refused click: the hub's `private` frame reaches the page (shown as a notice, not as
# a message of the conversation).
chat carol "stale buttons" click=1
refused=$result
grep -q 'PRIVATE: This was already decided: Approved by carol at 10:42' <<<"$refused" ||
    fail "the refusal did not reach the page privately ('$refused')"
# An upload: the page (?upload=1) sends a 2x3 PNG it draws, the hub keeps it and shows it
# back as dave's message, and the page fetches it with its sign-in and shows the picture.
chat dave upload upload=1
uploaded=$result
grep -q 'REPLY: PICTURE: autotest.png 2x3' <<<"$uploaded" ||
    fail "the uploaded picture was not shown ('$uploaded')"
ls "$work/data/hub-files/" | grep -qE '^[0-9a-f]{32}$' || fail "the upload was not kept on disk"
# A kind of file the hub does not take: the page says so in the person's language.
chat alice refused upload=wrong
refused_en=$result
grep -q 'REPLY: REFUSED 415: setup.exe cannot be sent here: pictures' <<<"$refused_en" ||
    fail "no refusal in English ('$refused_en')"
chat wangfang refused upload=wrong
refused_zh=$result
grep -q 'REPLY: REFUSED 415: setup.exe 不能在这里发送：只支持图片' <<<"$refused_zh" ||
    fail "no refusal in Chinese ('$refused_zh')"
echo "PASS: $helped"
echo "PASS: $clicked"
echo "PASS: $refused"
echo "PASS: $uploaded"
echo "PASS: $refused_en"
echo "PASS: $refused_zh"
