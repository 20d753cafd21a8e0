#!/usr/bin/env bash
# Browser test of the hub's web page: starts hub_echo (the hub with a fake bot), loads the
# page in headless Chromium in its test mode (?autotest=help&user=alice: sign in as
# alice, send "help" to the bot, write the reply into #autotest-result) and checks that
# the bot's reply reached the page; then presses a button of a bot post and checks that
# the post was updated, and presses a stale one and checks the private refusal.
#
#   tests/hub/browser_test.sh PATH/TO/hub_echo
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

hub_echo=${1:?usage: browser_test.sh PATH/TO/hub_echo}

work=$(mktemp -d /tmp/hub_browser.XXXXXX)
hub_pid=
cleanup() {
    if [[ -n $hub_pid ]] && kill -0 "$hub_pid" 2>/dev/null; then
        kill -TERM "$hub_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$hub_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$hub_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*"
    for log in "$work/hub.log" "$work/chromium.log"; do
        # Chromium's complaints about the missing D-Bus are noise here.
        [[ -s $log ]] && { echo "--- $log"; grep -v -e dbus "$log" | tail -n 30; }
    done
    exit 1
}

# A coprocess keeps hub_echo's stdin open for as long as this script runs.
coproc HUB { exec "$hub_echo" --data-dir "$work/data" 2>"$work/hub.log"; }
hub_pid=$HUB_PID
read -r -t 10 word port <&"${HUB[0]}" || fail "hub_echo did not print its port"
[[ $word == listening && $port =~ ^[0-9]+$ ]] || fail "unexpected hub_echo output: $word $port"

status=0
result=$(bash "$(dirname "$0")/../support/page_autotest.sh" "$port" alice help "$work") || status=$?
[[ $status -eq 77 ]] && exit 77
[[ $status -eq 0 ]] || fail "chromium failed"
if ! grep -q 'REPLY: Commands:' <<<"$result"; then
    fail "the bot's reply did not appear in the page (autotest result: '$result')"
fi

# Buttons: "buttons" gets a post with an Approve button; the page presses it, and the
# hub's update frame replaces the button with the outcome.
status=0
clicked=$(bash "$(dirname "$0")/../support/page_autotest.sh" "$port" bob buttons "$work" click=1) || status=$?
[[ $status -eq 0 ]] || fail "chromium failed on the button page"
grep -q 'BUTTONS: Approve' <<<"$clicked" || fail "no Approve button in the page ('$clicked')"
grep -q 'UPDATED: Announcement #1 waits for your approval. | Approved by bob' <<<"$clicked" ||
    fail "the click did not update the message ('$clicked')"
grep -q 'BUTTONS LEFT: 0' <<<"$clicked" || fail "the button is still shown ('$clicked')"

# A refused click: the hub's `private` frame reaches the page (shown as a notice, not as
# a message of the conversation).
status=0
refused=$(bash "$(dirname "$0")/../support/page_autotest.sh" "$port" carol "stale buttons" "$work" click=1) || status=$?
[[ $status -eq 0 ]] || fail "chromium failed on the refused button page"
grep -q 'PRIVATE: This was already decided: Approved by carol at 10:42' <<<"$refused" ||
    fail "the refusal did not reach the page privately ('$refused')"
echo "PASS: $result"
echo "PASS: $clicked"
echo "PASS: $refused"
