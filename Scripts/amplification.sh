#!/usr/bin/env bash
# Write amplification, space amplification and tables consulted per read for both compaction strategies, on
# db_bench's fillrandom and overwrite workloads (16-byte keys, 100-byte values), in a release build.
#
#   write amplification = bytes the process wrote (log, tables, MANIFEST; /proc/self/io wchar) / key+value bytes
#   space amplification = bytes of every file in the directory / key+value bytes of the live data (a full scan)
#   tables per get      = tables whose filter or index a point read consulted, averaged over readrandom
#
# Usage: Scripts/amplification.sh [NUM]     (default 1000000 operations per workload)
set -euo pipefail
cd "$(dirname "$0")/.."

num="${1:-1000000}"
swift build -c release --product lsmkv > /dev/null
lsmkv="$(swift build -c release --show-bin-path)/lsmkv"
work=$(mktemp -d "${TMPDIR:-/tmp}/lsmkv-amplification.XXXXXX")
trap 'rm -rf "$work"' EXIT
user_bytes=$((num * 116))

printf '%-9s %-11s %10s %10s %12s  %s\n' strategy workload "write amp" "space amp" "tables/get" "files per level"
for strategy in leveled tiered; do
    db="$work/$strategy"
    "$lsmkv" --compaction "$strategy" bench --db "$db" --benchmarks=fillrandom,overwrite,readrandom \
        --num="$num" > "$work/$strategy.bench"
    "$lsmkv" --compaction "$strategy" --db "$db" stats --space > "$work/$strategy.stats"
    for workload in fillrandom overwrite; do
        written=$(awk -v w="$workload" '$1 == w { found = 1; next } found && /bytes written:/ { print $3; exit }' \
            "$work/$strategy.bench")
        printf '%-9s %-11s %10.2f\n' "$strategy" "$workload" "$(awk -v a="$written" -v b="$user_bytes" 'BEGIN { print a / b }')"
    done
    space=$(awk '/space amplification:/ { print $3 }' "$work/$strategy.stats")
    tables=$(grep -oE '[0-9.]+ tables consulted per get' "$work/$strategy.bench" | cut -d' ' -f1)
    levels=$(grep -oE 'levels [0-9/]+' "$work/$strategy.bench" | cut -d' ' -f2)
    total=$(grep -oE 'write amplification [0-9.]+' "$work/$strategy.bench" | cut -d' ' -f3)
    printf '%-9s %-11s %10s %10s %12s  %s\n' "$strategy" "all three" "$total" "$space" "$tables" "$levels"
done
echo "($num operations per workload; write amp of 'all three' includes readrandom's background compaction)"
