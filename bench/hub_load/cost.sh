#!/usr/bin/env bash
# What a round trip costs the server, rather than how many it managed: one hub_load run
# against `twintrack run` (500 directory people, as compare.sh) or the Node.js
# reference, then the server's CPU time per round trip (user + system, from
# /proc/PID/stat) and its context switches per round trip, summed over its threads:
# voluntary (a thread went to sleep waiting for work, e.g. for another thread) and
# involuntary (the kernel took the core away). On a machine whose cores are shared
# these move less from run to run than the rate does.
#   bash bench/hub_load/cost.sh [BUILD_DIR] [twintrack|reference] [hub_load options...]
# TWINTRACK_BIN=PATH measures another build of the program; SETTLE_SECONDS (default 3).
set -euo pipefail
build=${1:-build}
name=${2:-twintrack}
shift 2 || shift $#
bin=${TWINTRACK_BIN:-$build/app/twintrack}
ref_dir="$build/bench/hub_load/reference"
[[ $name == twintrack || $name == reference ]] || { echo "twintrack or reference, not $name" >&2; exit 2; }

dir=$(mktemp -d)
pid=
cleanup() {
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

if [[ $name == twintrack ]]; then
    {
        echo "name,email,department,role,timezone,locale,working_hours,identities"
        for i in $(seq 1 500); do
            echo "Alice $i,alice$i@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,hub:alice$i"
        done
    } >"$dir/people.csv"
    "$bin" import people "$dir/people.csv" --data "$dir/data" >/dev/null
    "$bin" run --data "$dir/data" --port 0 --log-level warn >"$dir/out.log" 2>&1 &
else
    cmake --build "$build" --target hub_load_reference >/dev/null
    node "$ref_dir/server.js" 0 >"$dir/out.log" 2>&1 &
fi
pid=$!
port=
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir/out.log" | grep -o '[0-9]*$' || true)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { cat "$dir/out.log" >&2; exit 1; }
sleep "${SETTLE_SECONDS:-3}"

usage() {  # -> "cpu_ticks voluntary involuntary" of the server, all threads
    local ticks
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    cat /proc/"$pid"/task/*/status |
        awk -v t="$ticks" '/^voluntary_ctxt/ {v += $2} /^nonvoluntary_ctxt/ {n += $2}
                           END {print t, v, n}'
}
before=$(usage)
out=$("$build/bench/hub_load/hub_load" --port "$port" "$@" 2>&1)
after=$(usage)
echo "$out"
trips=$(sed -n 's/^round trips: \([0-9]*\) .*$/\1/p' <<<"$out")
[[ -n $trips && $trips -gt 0 ]] || { echo "no round trips" >&2; exit 1; }
awk -v b="$before" -v a="$after" -v n="$trips" -v hz="$(getconf CLK_TCK)" -v who="$name" 'BEGIN {
    split(b, x, " "); split(a, y, " ")
    printf "%s per round trip: cpu %.1f us, voluntary switches %.2f, involuntary %.2f\n",
           who, (y[1] - x[1]) / hz * 1e6 / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n
}'
