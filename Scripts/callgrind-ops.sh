#!/usr/bin/env bash
# callgrind-ops.sh: instructions per operation of `lsmkv bench` workloads, counted by callgrind (exact and
# machine-independent, unlike wall time on a shared machine).
#
#   Scripts/callgrind-ops.sh LSMKV_BINARY [NUM]
#
# put:       fillrandom --num=NUM under callgrind, all instructions of the process (flushes and compactions
#            included) divided by NUM.
# get hit (readrandom), get miss (readmissing), next (readseq), seek (seekrandom: makeIterator(from:) and one
# next): a database of NUM random entries is filled and fully compacted once (`lsmkv compact`, not counted, so
# no background compaction runs during the reads) and copied before each run; each workload runs twice under
# callgrind with --reads=R1 and --reads=R2 and the difference in instructions divided by R2 - R1, so opening
# cancels out.
set -euo pipefail
bin="$1"
num="${2:-100000}"
r1=$((num / 10))
r2=$((num / 2))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# valgrind 3.19 gives up on the DWARF of some release builds ("Possibly corrupted debuginfo file", every count
# 0); instruction counts do not depend on debug info, so count a copy without it.
objcopy --strip-debug "$bin" "$work/lsmkv"
bin="$work/lsmkv"
instructions() {  # instructions of one callgrind run of `lsmkv bench "$@"`
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" bench "$@" >/dev/null 2>&1
    sed -n 's/^summary: //p' "$work/cg.out"
}
put=$(instructions --db="$work/fill" --benchmarks=fillrandom --num="$num")
echo "put (fillrandom $num): $((put / num)) instructions"
"$bin" bench --db="$work/source" --benchmarks=fillrandom --num="$num" >/dev/null
"$bin" --db "$work/source" compact >/dev/null
for workload in readrandom readmissing readseq seekrandom; do
    counts=()
    for reads in "$r1" "$r2"; do
        rm -rf "$work/db" && cp -r "$work/source" "$work/db"
        counts+=("$(instructions --db="$work/db" --use_existing_db --benchmarks="$workload" --num="$num" --reads="$reads")")
    done
    echo "$workload: $(((counts[1] - counts[0]) / (r2 - r1))) instructions per operation"
done
