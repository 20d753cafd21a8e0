# shellcheck shell=bash
# The browser tests' shared shell, sourced by each browser test script (tests/integration,
# tests/hub) after it has set $support (this folder):
#
#   browser_test_setup NAME LOG...  exits 77 (skipped) without Chromium ($CHROMIUM, else
#                                   /usr/bin/chromium); makes the test's folder $work
#                                   (/tmp/NAME.XXXXXX); on exit, however the script ends,
#                                   closes the browser, stops what `started` recorded and
#                                   removes $work. fail shows the LOGs (names in $work).
#   started PID                     a process to stop on exit (in the order started)
#   stop PID                        TERM, up to 5 s, then KILL
#   fail MESSAGE                    prints FAIL: MESSAGE and the logs, exits 1
#   await_listening FILE            the port a helper wrote to FILE as "listening PORT"
#   start_fake_smtp                 the fake SMTP relay (fake_smtp.py), mails to $work/mail;
#                                   sets $smtp_port
#
# and the side of tests/support/cdp_browser.py: cdp_start starts the one Chromium (after the
# servers, so that none of them holds fd 3: when the script ends, however it ends, the
# driver reads the end of its requests and closes the browser), cdp REQUEST ARGS... sends
# one request and leaves the answer in $reply, cdp_stop closes the browser.

stop() {  # stop PID
    if [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; then
        kill -TERM "$1" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$1" 2>/dev/null || true
    fi
}
stopped_on_exit=()
started() { stopped_on_exit+=("$1"); }
fail_logs=()
fail() {
    echo "FAIL: $*"
    local log
    for log in "${fail_logs[@]/#/$work/}" "$work/chromium.log"; do
        # Chromium's complaints about the missing D-Bus are noise here.
        [[ -s $log ]] && { echo "--- $log"; grep -v -e dbus "$log" | tail -n 30; }
    done
    exit 1
}
browser_test_cleanup() {
    cdp_stop
    local p
    for p in "${stopped_on_exit[@]}"; do stop "$p"; done
    [[ -n ${work:-} ]] && rm -rf "$work"
}
browser_test_setup() {  # browser_test_setup NAME LOG...
    local chromium=${CHROMIUM:-/usr/bin/chromium}
    if [[ ! -x $chromium ]]; then
        echo "SKIP: $chromium not found"
        exit 77
    fi
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    shift
    fail_logs=("$@")
    trap browser_test_cleanup EXIT
    trap 'exit 1' INT TERM
}
await_listening() {  # await_listening FILE: prints the port of its "listening PORT" line
    local port
    for _ in $(seq 100); do
        port=$(grep -o '^listening [0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
        [[ -n $port ]] && { echo "$port"; return 0; }
        sleep 0.1
    done
    return 1
}
# shellcheck disable=SC2034  # read by the scripts that source this file
smtp_port=
# shellcheck disable=SC2034
start_fake_smtp() {
    mkdir -p "$work/mail"
    # shellcheck disable=SC2154  # $support: set by the script that sources this file
    /usr/bin/python3 "$support/fake_smtp.py" "$work/mail" >"$work/smtp.out" 2>"$work/smtp.log" &
    started $!
    fail_logs+=(smtp.log)
    smtp_port=$(await_listening "$work/smtp.out") || fail "the fake SMTP relay did not start"
}

cdp_pid=
chromium_pid=
cdp_start() {
    mkfifo "$work/cdp.in" "$work/cdp.out"
    LANG=en_US.UTF-8 /usr/bin/python3 "$support/cdp_browser.py" "$work" <"$work/cdp.in" \
        >"$work/cdp.out" 2>>"$work/chromium.log" &
    cdp_pid=$!
    exec 3>"$work/cdp.in" 4<"$work/cdp.out"
    cdp_answer || fail "chromium did not start: $reply"
    chromium_pid=$reply
}
cdp_stop() {
    [[ -n $cdp_pid ]] || return 0
    exec 3>&- 4<&-  # the driver closes the browser when its requests end
    for _ in $(seq 100); do kill -0 "$cdp_pid" 2>/dev/null || break; sleep 0.05; done
    stop "$cdp_pid"
    # The browser's process group, should the driver not have closed it.
    if [[ -n $chromium_pid ]]; then kill -KILL -- "-$chromium_pid" 2>/dev/null || true; fi
    cdp_pid=
}
reply=
cdp_answer() {  # reads the driver's next answer into $reply; true when it is "ok"
    local status n line
    IFS=' ' read -r status n <&4 || { reply="the browser driver exited"; return 1; }
    reply=
    for ((; n > 0; n--)); do IFS= read -r line <&4; reply+=$line$'\n'; done
    reply=${reply%$'\n'}
    [[ $status == ok ]]
}
cdp() {  # cdp REQUEST ARGS...: one request to the driver, its answer in $reply
    { printf '%s\0' "$@" && printf '\0'; } >&3 2>/dev/null ||
        { reply="the browser driver exited"; return 1; }
    cdp_answer
}
