#!/usr/bin/env bash
# Resident memory of a running process per mapping (each library, the program, heap,
# anonymous, stacks), largest first, from /proc/PID/smaps: Rss, then how much of it is
# anonymous (written pages: relocations, data, heap) and file-backed (code and read-only
# data, shared with the page cache).
#   bash bench/memory/rss_by_mapping.sh PID
set -euo pipefail
pid=$1
awk '
/^[0-9a-f]+-[0-9a-f]+ / {
    name = (NF >= 6) ? $6 : "[anonymous]"
    sub(/.*\//, "", name)
    next
}
$1 == "Rss:" { rss[name] += $2; total += $2 }
$1 == "Anonymous:" { anon[name] += $2 }
END {
    for (n in rss) if (rss[n] > 0) printf "%8d %8d %8d  %s\n", rss[n], anon[n], rss[n] - anon[n], n
    printf "%8d %8s %8s  %s\n", total, "", "", "total"
}' "/proc/$pid/smaps" | sort -rn | awk 'BEGIN { printf "%8s %8s %8s  %s\n", "rss kB", "anon", "file", "mapping" } { print }'
