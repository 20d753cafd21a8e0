#!/usr/bin/env bash
# Checks deploy/twintrack.service: the hardening and restart keys it must keep, the
# program's options in ExecStart (the built binary must accept them), and, when
# systemd-analyze is installed, `systemd-analyze verify` with no complaint at all.
#   check_unit.sh UNIT_FILE TWINTRACK_BINARY
set -euo pipefail
unit=$1
binary=$2
fail() {
    echo "check_unit: $*" >&2
    exit 1
}

# Keys that must be present with exactly this value ("Key=value" lines of the unit).
required=(
    "DynamicUser=yes"
    "ProtectSystem=strict"
    "ProtectHome=yes"
    "PrivateTmp=yes"
    "NoNewPrivileges=yes"
    "StateDirectory=twintrack"
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
    "Restart=on-failure"
    "RestartPreventExitStatus=2"
    "KillSignal=SIGTERM"
    "WantedBy=multi-user.target"
)
for line in "${required[@]}"; do
    grep -qxF "$line" "$unit" || fail "missing \"$line\" in $unit"
done
grep -qE '^TimeoutStopSec=[0-9]+s$' "$unit" || fail "TimeoutStopSec=Ns missing in $unit"
grep -qE '^EnvironmentFile=-?/etc/twintrack/' "$unit" || fail "no EnvironmentFile for secrets"
if grep -qE '^(User|Group)=' "$unit"; then fail "User=/Group= next to DynamicUser"; fi

# The program accepts the options the unit starts it with.
for key in ExecStart; do
    command=$(sed -n "s/^$key=//p" "$unit")
    [ -n "$command" ] || fail "no $key"
    read -r -a words <<<"$command"
    [ "${words[0]}" = /usr/local/bin/twintrack ] || fail "$key runs ${words[0]}"
    "$binary" "${words[@]:1}" --help >/dev/null 2>&1 ||
        fail "twintrack does not accept the options of $key: ${words[*]:1}"
done

if command -v systemd-analyze >/dev/null 2>&1; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    # verify wants the programs to exist: point them at the built one.
    sed "s#/usr/local/bin/twintrack#$binary#g" "$unit" >"$dir/twintrack.service"
    out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify ./twintrack.service 2>&1) ||
        fail "systemd-analyze verify failed: $out"
    [ -z "$out" ] || fail "systemd-analyze verify complains: $out"
    echo "check_unit: systemd-analyze verify is content"
else
    echo "check_unit: systemd-analyze not installed; checked the keys only"
fi
echo "check_unit: ok"
