#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to every test: installs what is missing,
# checks formatting, builds, and runs all tests (unit, hub, integration, browser).
# `.ci/run` calls exactly this. Run one label with e.g. `bash scripts/test.sh -L hub`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
bash scripts/check-format.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --no-tests=error --timeout 300 -j 2 "$@"
