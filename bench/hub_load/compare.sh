#!/usr/bin/env bash
# The hub beside a reference: runs hub_load against the real `twintrack run` (500
# directory people, 100 of them pinging the bot by direct message) and against the
# Node.js reference server (reference/server.js on the npm `ws` package, same frames),
# alternately for several rounds so that machine noise falls on both, then prints each
# round, the medians and the ratio twintrack / reference.
#   bash bench/hub_load/compare.sh [BUILD_DIR] [ROUNDS] [hub_load options...]
# Needs the targets twintrack and hub_load built, and node + npm (the reference's
# packages are installed from reference/package-lock.json into BUILD_DIR by the
# hub_load_reference target). TWINTRACK_BIN=PATH measures another build of the program
# (e.g. a copy of the binary from before a change); SETTLE_SECONDS (default 3) is the
# pause between a server's start and the measurement. TWINTRACK_BEFORE=PATH adds a third
# contender, another build of the program (e.g. a copy of the binary from before a
# change), measured in the same rounds, in turn with the other two; its ratio to the
# reference is printed too.
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
shift 2 || shift $#
bin=${TWINTRACK_BIN:-$build/app/twintrack}
cmake --build "$build" --target hub_load_reference >/dev/null
ref_dir="$build/bench/hub_load/reference"

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

{
    echo "name,email,department,role,timezone,locale,working_hours,identities"
    for i in $(seq 1 500); do
        echo "Alice $i,alice$i@example.com,sales,staff,Asia/Shanghai,en,09:00-18:00,hub:alice$i"
    done
} >"$dir/people.csv"
"$bin" import people "$dir/people.csv" --data "$dir/seed" >/dev/null

wait_port() {  # LOG -> prints the port the server announced
    local port=
    for _ in $(seq 100); do
        port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$1" | grep -o '[0-9]*$' || true)
        [[ -n $port ]] && break
        sleep 0.1
    done
    [[ -n $port ]] || { cat "$1" >&2; return 1; }
    echo "$port"
}

stop_server() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
}

one_run() {  # NAME -> appends "rate p99" to $dir/NAME.txt
    local name=$1 port out
    shift
    rm -rf "$dir/data"
    if [[ $name == twintrack || $name == before ]]; then
        local program=$bin
        [[ $name == before ]] && program=$TWINTRACK_BEFORE
        cp -r "$dir/seed" "$dir/data"
        "$program" run --data "$dir/data" --port 0 --log-level warn >"$dir/out.log" 2>&1 &
    else
        node "$ref_dir/server.js" 0 >"$dir/out.log" 2>&1 &
    fi
    pid=$!
    port=$(wait_port "$dir/out.log")
    # Let start-up work (the first scheduler tick, migrations) finish before measuring.
    sleep "${SETTLE_SECONDS:-3}"
    if ! out=$("$build/bench/hub_load/hub_load" --port "$port" "$@" 2>&1); then
        # A run that could not connect (e.g. a machine far too busy) is left out.
        stop_server
        printf '  %-10s failed, left out: %s\n' "$name" "$(tail -1 <<<"$out")"
        return 0
    fi
    stop_server
    local rate p99
    rate=$(sed -n 's/^round trips: [0-9]* (\([0-9]*\)\/s)$/\1/p' <<<"$out")
    p99=$(sed -n 's/^latency ms: .*p99 \([0-9.]*\) .*$/\1/p' <<<"$out")
    [[ -n $rate && -n $p99 ]] || { echo "$out" >&2; return 1; }
    printf '  %-10s %8s round trips/s  p99 %6s ms\n' "$name" "$rate" "$p99"
    echo "$rate $p99" >>"$dir/$name.txt"
}

names=(twintrack reference)
[[ -n ${TWINTRACK_BEFORE:-} ]] && names+=(before)
for round in $(seq 1 "$rounds"); do
    echo "round $round"
    # Rotate which goes first, so none always follows another's aftermath.
    n=${#names[@]}
    for ((k = 0; k < n; k++)); do
        one_run "${names[(round - 1 + k) % n]}" "$@"
    done
done

for name in "${names[@]}"; do
    [[ -s $dir/$name.txt ]] || { echo "no run against $name completed" >&2; exit 1; }
done
median() {  # COLUMN FILE
    cut -d' ' -f"$1" "$2" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
tt_rate=$(median 1 "$dir/twintrack.txt")
ref_rate=$(median 1 "$dir/reference.txt")
echo "median twintrack: $tt_rate round trips/s, p99 $(median 2 "$dir/twintrack.txt") ms"
echo "median reference: $ref_rate round trips/s, p99 $(median 2 "$dir/reference.txt") ms"
if [[ -n ${TWINTRACK_BEFORE:-} ]]; then
    before_rate=$(median 1 "$dir/before.txt")
    echo "median before:    $before_rate round trips/s, p99 $(median 2 "$dir/before.txt") ms"
    awk -v a="$before_rate" -v b="$ref_rate" 'BEGIN {printf "ratio before / reference: %.2f\n", a / b}'
fi
awk -v a="$tt_rate" -v b="$ref_rate" 'BEGIN {printf "ratio twintrack / reference: %.2f\n", a / b}'
