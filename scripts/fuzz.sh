#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan, in build-fuzz) and runs
# each for SECONDS (default 30) from its seed corpus in fuzz/corpus/NAME/, FUZZ_JOBS at a
# time (default: the number of cores). Prints the
# executions each reached; exits non-zero when any target finds a crash, leak, timeout
# or sanitizer report (the input that did it is kept in build-fuzz/artifacts/NAME/).
#   bash scripts/fuzz.sh [SECONDS] [NAME...]     e.g. bash scripts/fuzz.sh 600 irc_line
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
case "$seconds" in
    '' | *[!0-9]*)
        echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
        exit 2
        ;;
esac

bash scripts/install-deps.sh --test  # clang and its libFuzzer runtime are test packages
build=build-fuzz
generator=()
if command -v ninja >/dev/null 2>&1 && [ ! -f "$build/CMakeCache.txt" ]; then generator=(-G Ninja); fi
# -O1 with asserts on: nlohmann's and libstdc++'s own checks count as findings.
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DTWINTRACK_FUZZ=ON -DTWINTRACK_BUILD_TESTS=OFF >/dev/null
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
# Only what the named targets need (the connector parsers build in a few minutes; the
# targets that feed the whole bot need most of the program).
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Every target runs for SECONDS; FUZZ_JOBS of them at a time (default: one per core), so
# a CI run of 11 targets takes 6 rounds of SECONDS on two cores instead of 11.
jobs_max=${FUZZ_JOBS:-$(nproc)}
for name in "${targets[@]}"; do
    if [ ! -x "$build/fuzz/${name}_fuzz" ]; then
        echo "fuzz.sh: no target $name (fuzz/${name}_fuzz.cpp)" >&2
        exit 2
    fi
done
fuzz_one() {
    local name=$1 status=0
    local dir=$build/artifacts/$name
    # New inputs go into build-fuzz/corpus/NAME; the seeds in the tree stay as they are.
    mkdir -p "$build/corpus/$name" "$dir"
    rm -f "$dir/last-run.status"
    "$build/fuzz/${name}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/" \
        "$build/corpus/$name" "fuzz/corpus/$name" >"$dir/last-run.log" 2>&1 || status=$?
    echo "$status" >"$dir/last-run.status"
}
running=0
for name in "${targets[@]}"; do
    if [ "$running" -ge "$jobs_max" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    fuzz_one "$name" &
    running=$((running + 1))
done
wait

failed=()
printf '%-18s %12s %10s %s\n' target executions per-second result
for name in "${targets[@]}"; do
    log=$build/artifacts/$name/last-run.log
    status=$(cat "$build/artifacts/$name/last-run.status" 2>/dev/null || echo "?")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        result=ok
    else
        result="FAILED (exit $status; see $log)"
        failed+=("$name")
    fi
    printf '%-18s %12s %10s %s\n' "$name" "${execs:-?}" "${rate:-?}" "$result"
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz.sh: findings in ${failed[*]}" >&2
    for name in "${failed[@]}"; do
        grep -E 'ERROR: |runtime error|SUMMARY|Test unit written' "$build/artifacts/$name/last-run.log" |
            head -n 5 >&2 || true
    done
    exit 1
fi
