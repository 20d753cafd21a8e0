#!/usr/bin/env bash
# Hub round trips through the real bot: 100 directory people (alice1..alice100, hub
# identities) each send `ping` by direct message over their own WebSocket; the real
# `twintrack run` answers. Prints hub_load's figures and the program's resident memory.
#   bash bench/hub_load/against_twintrack.sh [BUILD_DIR] [hub_load options...]
set -euo pipefail
build=${1:-build}
shift || true
dir=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && { kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; }; rm -rf "$dir"' EXIT

{
    echo "name,email,department,role,timezone,locale,working_hours,identities"
    for i in $(seq 1 500); do
        echo "Alice $i,alice$i@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,hub:alice$i"
    done
} >"$dir/people.csv"
"$build/app/twintrack" import people "$dir/people.csv" --data "$dir/data" >/dev/null
"$build/app/twintrack" run --data "$dir/data" --port 0 --log-level warn >"$dir/out.log" 2>&1 &
pid=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/out.log" | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { cat "$dir/out.log"; exit 1; }
"$build/bench/hub_load/hub_load" --port "$port" "$@"
echo "twintrack resident memory after the run: $(awk '/VmRSS/ {print $2}' /proc/$pid/status) kB" \
    "(peak $(awk '/VmHWM/ {print $2}' /proc/$pid/status) kB)"
