#!/usr/bin/env bash
# Browser test of the real program: starts `twintrack run` with two people, loads the
# hub page in one headless Chromium in its test mode (?autotest=TEXT&user=ID signs in, sends
# TEXT to the bot and writes the page's language and the reply into #autotest-result), and
# checks that the bot's real answer reached the page, in English and in Chinese; that the
# page speaks each person's language after sign-in without the switch being touched (the
# browser itself runs in English); and that the help panel shows the person's short help.
#
#   tests/integration/browser_test.sh PATH/TO/twintrack
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

program=${1:?usage: browser_test.sh PATH/TO/twintrack}
support="$(dirname "$0")/../support"
# shellcheck source=../support/cdp_browser.sh
source "$support/cdp_browser.sh"
browser_test_setup twintrack_browser out.log err.log

cat >"$work/people.csv" <<'CSV'
name,email,department,role,timezone,locale,working_hours,identities
Anna Becker,anna@example.com,marketing,manager,Europe/Berlin,en,08:00-17:00,hub:anna
李伟,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei
刘洋,liu.yang@example.com,hr,hr,Asia/Shanghai,zh-CN,09:00-18:00,hub:liuyang
CSV
"$program" import people "$work/people.csv" --data "$work/data" >/dev/null ||
    fail "import failed"

"$program" run --data "$work/data" --port 0 >"$work/out.log" 2>"$work/err.log" &
started $!
port=
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/out.log" | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || fail "twintrack did not start"
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
ask() {  # ask USER TEXT EXPECTED [EXTRA_QUERY]
    chat "$1" "$2" "${4:-}"
    grep -qF "REPLY: $3" <<<"$result" ||
        fail "no reply starting '$3' for '$2' (autotest result: '$result')"
    echo "PASS: $1 -> $2"
}
expect() {  # expect LINE: the last page showed this line
    grep -qF "$1" <<<"$result" || fail "the page did not show '$1' (autotest result: '$result')"
}

# The short help of each person, in their language; the page follows the person.
ask anna help "Anna Becker, what you will most likely need (Marketing, manager):"
expect "LANG: en"
expect "HEADING: Channels"
ask liwei "帮助" "李伟，你最可能用到的（销售部，员工）："
expect "LANG: zh-CN"
expect "HEADING: 频道"
expect "PLACEHOLDER: 发送消息到"
ask liuyang "help" "刘洋，你最可能用到的（人力资源部，人力资源）：" "panel=1"
expect "LANG: zh-CN"
expect "PANEL: 刘洋，你最可能用到的"
expect "• 开始咖啡配对"
ask liwei "help all" "你可以使用的命令"
