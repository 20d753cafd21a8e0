#!/usr/bin/env bash
# Browser test of the real program: starts `twintrack run` with two people, loads the
# hub page in headless Chromium in its test mode (?autotest=TEXT&user=ID signs in, sends
# TEXT to the bot and writes the reply into #autotest-result), and checks that the bot's
# real answer reached the page, in English and in Chinese.
#
#   tests/integration/browser_test.sh PATH/TO/twintrack
#
# Exit status: 0 pass, 1 fail, 77 skipped (no Chromium). CHROMIUM overrides the browser.
set -euo pipefail

program=${1:?usage: browser_test.sh PATH/TO/twintrack}

work=$(mktemp -d /tmp/twintrack_browser.XXXXXX)
pid=
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*"
    for log in "$work/out.log" "$work/err.log" "$work/chromium.log"; do
        [[ -s $log ]] && { echo "--- $log"; grep -v -e dbus "$log" | tail -n 30; }
    done
    exit 1
}

cat >"$work/people.csv" <<'CSV'
name,email,department,role,timezone,locale,working_hours,identities
Anna Becker,anna@example.com,marketing,manager,Europe/Berlin,en,08:00-17:00,hub:anna
李伟,li.wei@example.com,sales,staff,Asia/Shanghai,zh-CN,09:00-18:00,hub:liwei
CSV
"$program" import people "$work/people.csv" --data "$work/data" >/dev/null ||
    fail "import failed"

"$program" run --data "$work/data" --port 0 >"$work/out.log" 2>"$work/err.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/out.log" | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || fail "twintrack did not start"

ask() {  # ask USER TEXT EXPECTED
    local status=0 result
    result=$(bash "$(dirname "$0")/../support/page_autotest.sh" "$port" "$1" "$2" "$work") ||
        status=$?
    [[ $status -eq 77 ]] && exit 77
    [[ $status -eq 0 ]] || fail "chromium failed"
    grep -q "REPLY: $3" <<<"$result" ||
        fail "no reply containing '$3' for '$2' (autotest result: '$result')"
    echo "PASS: $1 -> $2"
}

ask anna help "Commands you can use"
ask liwei "帮助" "你可以使用的命令"
