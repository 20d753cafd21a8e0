#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing,
# checks formatting, builds, fuzzes the parsers of outside input for 10 s each, and
# runs all tests (unit, hub, integration, browser, irc, slack, ...).
# `.ci/run` calls exactly this. Run one label with e.g. `bash scripts/test.sh -L hub`.
#
# Sanitizer builds, each in its own folder (any finding fails the test that hit it):
#   bash scripts/test.sh --sanitize=address [CTEST ARGS]   ASan+UBSan in build-asan;
#       with no CTEST ARGS the unit, hub and integration labels
#   bash scripts/test.sh --sanitize=thread [CTEST ARGS]    TSan in build-tsan; with no
#       CTEST ARGS the engine tests and the hub, IRC and Slack labels
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
args=()
for arg in "$@"; do
    case "$arg" in
        --sanitize=*) sanitize=${arg#--sanitize=} ;;
        *) args+=("$arg") ;;
    esac
done

bash scripts/install-deps.sh --test
if [ -z "$sanitize" ]; then
    bash scripts/check-format.sh
    # The benchmarks are measured, not tested: leaving them out saves CI about 40 s of its
    # build on two cores (`bash scripts/build.sh` builds them).
    BENCH=OFF bash scripts/build.sh
    # The whole run (no arguments, as CI does) also fuzzes every outside-input parser
    # that builds on its own for FUZZ_SECONDS each (default 10: twelve targets, two at a
    # time, one minute of CI). Each target first runs every input of its seed corpus
    # (fuzz/corpus/NAME), so a short run still checks all of them and then mutates from
    # there; longer runs: scripts/fuzz.sh 600 NAME. scripts/fuzz.sh runs all targets, the
    # ones that feed the whole bot included.
    if [ "${#args[@]}" -eq 0 ] && [ "${FUZZ_SECONDS:-10}" != 0 ]; then
        bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}" irc_line hub_frame slack_event \
            mattermost_event robot_callback dingtalk_stream feishu_event wecom_callback ical \
            command_words tone_rules matrix_sync
    fi
    cd build
    ctest --output-on-failure --no-tests=error --timeout 300 -j 2 "${args[@]}"
    exit 0
fi

case "$sanitize" in
    address) build_dir=build-asan ;;
    thread) build_dir=build-tsan ;;
    *)
        echo "test.sh: --sanitize takes address or thread, not '$sanitize'" >&2
        exit 2
        ;;
esac
BUILD_DIR=$build_dir bash scripts/build.sh -DTWINTRACK_SANITIZE="$sanitize" \
    -DTWINTRACK_BUILD_BENCH=OFF
cd "$build_dir"
# Stop at the first finding, with the stack; leaks are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
# Leaks inside outside libraries that free only at exit are listed, with the reason, in
# scripts/sanitizers/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/../scripts/sanitizers/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Reports inside outside libraries the sanitizer cannot see into: scripts/sanitizers/tsan.supp.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/../scripts/sanitizers/tsan.supp}
run() { ctest --output-on-failure --no-tests=error --timeout 600 -j 2 "$@"; }
if [ "${#args[@]}" -gt 0 ]; then
    run "${args[@]}"
elif [ "$sanitize" = address ]; then
    run -L '^(unit|hub|integration)$'
else
    run -L '^unit$' -R '^Engine'
    run -L '^(hub|irc|slack)$'
fi
