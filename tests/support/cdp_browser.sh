# The browser tests' side of tests/support/cdp_browser.py, sourced by each browser test script
# after it has set $work (its temporary folder) and $support (this folder) and defined
# stop PID and fail MESSAGE: cdp_start starts the one Chromium, cdp REQUEST ARGS... sends
# one request and leaves the answer in $reply, cdp_stop closes the browser.

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
