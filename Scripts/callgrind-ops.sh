#!/usr/bin/env bash
# callgrind-ops.sh: instructions per operation of db_bench workloads, counted by callgrind (exact and
# machine-independent, unlike wall time on a shared machine), for LSMKV or for LevelDB on the same workloads.
#
#   Scripts/callgrind-ops.sh LSMKV_BINARY [NUM]     # a release build of `lsmkv`
#   Scripts/callgrind-ops.sh --leveldb [NUM]        # LevelDB 1.23 through Scripts/peers/peer_bench.c
#
# put:        fillrandom --num=NUM under callgrind, all instructions of the process (flushes and compactions
#             included) divided by NUM.
# batch put:  fillbatch --num=NUM (batches of 1000 sequential puts) the same way.
# get hit (readrandom), get miss (readmissing), next (readseq), seek (seekrandom: one cursor positioned at a
# random key, one next): a database of NUM random entries is filled and fully compacted once (`lsmkv compact`,
# or LevelDB's CompactRange over everything; not counted, so no background compaction runs during the reads) and
# copied before each run; each workload runs twice under callgrind with --reads=R1 and --reads=R2 and the
# difference in instructions divided by R2 - R1, so opening cancels out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ "${1:-}" == --leveldb ]]; then
    gcc -O2 -o "$work/peer_bench" "$root/Scripts/peers/peer_bench.c" -lleveldb -lrocksdb -lsqlite3 -lpthread
    run=("$work/peer_bench" leveldb)
    compact() { "$work/peer_bench" leveldb --db "$1" --use_existing_db --benchmarks=compact >/dev/null; }
else
    # valgrind 3.19 gives up on the DWARF of some release builds ("Possibly corrupted debuginfo file", every
    # count 0); instruction counts do not depend on debug info, so count a copy without it.
    objcopy --strip-debug "$1" "$work/lsmkv"
    run=("$work/lsmkv" bench)
    compact() { "$work/lsmkv" --db "$1" compact >/dev/null; }
fi
num="${2:-100000}"
r1=$((num / 10))
r2=$((num / 2))
instructions() {  # instructions of one callgrind run of the engine's bench with "$@"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "${run[@]}" "$@" >/dev/null 2>&1
    sed -n 's/^summary: //p' "$work/cg.out"
}
for workload in fillrandom fillbatch; do
    rm -rf "$work/fill"
    count=$(instructions --db="$work/fill" --benchmarks="$workload" --num="$num")
    echo "$workload (put$([[ $workload == fillbatch ]] && echo ', batched')) $num: $((count / num)) instructions per put"
done
"${run[@]}" --db="$work/source" --benchmarks=fillrandom --num="$num" >/dev/null
compact "$work/source"
for workload in readrandom readmissing readseq seekrandom; do
    counts=()
    for reads in "$r1" "$r2"; do
        rm -rf "$work/db" && cp -r "$work/source" "$work/db"
        counts+=("$(instructions --db="$work/db" --use_existing_db --benchmarks="$workload" --num="$num" --reads="$reads")")
    done
    echo "$workload: $(((counts[1] - counts[0]) / (r2 - r1))) instructions per operation"
done
