#!/usr/bin/env bash
# Idle resident memory of `twintrack run --demo` (hub + SQLite), after it settles.
#   bash bench/memory/idle_rss.sh [build/app/twintrack]
set -euo pipefail
bin=${1:-build/app/twintrack}
dir=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
${WRAP:-} "$bin" run --demo --data "$dir/data" --port 0 >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq $((${WAIT_SECONDS:-5} * 10))); do grep -q "listening on" "$dir/out.log" && break; sleep 0.1; done
sleep "${SETTLE_SECONDS:-5}"
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
echo "idle resident memory: ${rss} kB (peak ${peak} kB)"
[ -z "${SHOW_MAPPINGS:-}" ] || bash "$(dirname "$0")/rss_by_mapping.sh" "$pid"
