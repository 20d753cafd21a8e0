#!/usr/bin/env bash
# Fails when a C++ file is not formatted per .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if [ "${#files[@]}" -eq 0 ]; then exit 0; fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/twintrack-format.log; then
    grep -E '^[^ ]+:[0-9]+:[0-9]+: error' /tmp/twintrack-format.log | cut -d: -f1 | sort -u |
        sed 's/^/not formatted: /'
    echo "run: clang-format -i \$(git ls-files '*.cpp' '*.hpp')"
    exit 1
fi
echo "format: ${#files[@]} files clean"
