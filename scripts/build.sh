#!/usr/bin/env bash
# Configures and builds TwinTrack into build/ (optimised, line tables for backtraces, ccache
# when present).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ -f "$BUILD_DIR/CMakeCache.txt" ]; then generator=(); fi
# Configure every time: packages installed since the last run (tests) are found.
# CONNECTORS=hub (or a list like "hub;slack") builds only those connectors into the
# program; every other build, the tests' included, has them all.
# BENCH=OFF leaves the benchmarks of bench/ out (scripts/test.sh: CI runs no benchmark).
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTWINTRACK_CONNECTORS="${CONNECTORS:-all}" -DTWINTRACK_BUILD_BENCH="${BENCH:-ON}" "$@" >/dev/null
# TARGET=twintrack builds only the program.
cmake --build "$BUILD_DIR" --parallel "$(nproc)" ${TARGET:+--target "$TARGET"}
