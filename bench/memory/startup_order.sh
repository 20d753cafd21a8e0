#!/usr/bin/env bash
# Writes app/startup_order.txt: the program's functions an idle start runs, which the link
# places together at the start of the program's code (app/CMakeLists.txt, lld's
# --symbol-ordering-file), so that start-up touches a few hundred KiB of code and not
# windows all over it. It runs the program under valgrind's callgrind for the two idle
# starts of this folder (hub + IRC on ngircd, and `run --demo`) and keeps every function
# of the program's own file that ran, sorted by name (the order within the block does not
# matter; sorting keeps the file's diffs small when it is made again).
# Make it again when start-up changes much (new connectors, a new library):
#   bash bench/memory/startup_order.sh [build/app/twintrack]
# Needs valgrind (scripts/install-deps.sh --bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(readlink -f "${1:-build/app/twintrack}")
out=${OUT:-$here/../../app/startup_order.txt}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
wrap="valgrind --tool=callgrind --dump-instr=no --compress-strings=no --compress-pos=no
    --demangle=no --callgrind-out-file=$dir/callgrind.%p"
WRAP=$wrap WAIT_SECONDS=240 SETTLE_SECONDS=${SETTLE_SECONDS:-10} \
    bash "$here/idle_rss_irc.sh" "$bin" >/dev/null
WRAP=$wrap WAIT_SECONDS=240 SETTLE_SECONDS=${SETTLE_SECONDS:-10} \
    bash "$here/idle_rss.sh" "$bin" >/dev/null
# In callgrind's output `ob=` names the file of the `fn=` lines that follow; a name may end
# in 'N (a recursion's depth), and code without a symbol shows as an address.
awk -v bin="$bin" '
/^ob=/ { ob = substr($0, 4); next }
/^fn=/ && ob == bin {
    name = substr($0, 4)
    sub(/\047[0-9]+$/, "", name)
    if (name !~ /^(0x|\()/) print name
}
' "$dir"/callgrind.* | LC_ALL=C sort -u >"$out"
echo "$(wc -l <"$out") functions in $out"
