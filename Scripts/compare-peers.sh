#!/usr/bin/env bash
# compare-peers.sh: db_bench workloads on LSMKV, LevelDB, RocksDB and SQLite, one table.
#
#   Scripts/compare-peers.sh [--num N] [--benchmarks LIST] [--dir DIR] [--pread]
#
#   --num N           operations per workload (default 200000; fillsync runs N/100)
#   --benchmarks LIST comma-separated (default: every workload `lsmkv bench --list` prints, in its order,
#                     except fsync, the disk probe measured once on its own; the read workloads and
#                     deleterandom use the database the earlier workloads left, so keep a fill first)
#   --dir DIR         where the databases live (default a new directory under ${TMPDIR:-/tmp})
#   --pread           LSMKV reads tables with pread into its block cache (lsmkv bench --mmap_read=0) instead
#                     of its default, guarded memory maps (as LevelDB maps its tables by default on 64-bit)
#
# Installs libleveldb-dev, librocksdb-dev, libsqlite3-dev and gcc with apt-get when missing, builds
# `lsmkv` in release and Scripts/peers/peer_bench.c, then runs each workload on every engine in turn,
# rotating the engine order per workload so machine noise is spread over all of them. Each run is a
# separate process (`--use_existing_db`), as db_bench would be with one --benchmarks entry.
# Prints the raw 4 KiB append + fdatasync rate of the disk (the ceiling for fillsync), the table of
# ops/sec and LSMKV's ratio to each peer (>1: LSMKV faster). Full per-run output goes to DIR/log.txt.
set -euo pipefail

num=200000
benchmarks=""
dir=""
lsmkv_flags=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --num) num="$2"; shift 2 ;;
        --num=*) num="${1#--num=}"; shift ;;
        --benchmarks) benchmarks="$2"; shift 2 ;;
        --benchmarks=*) benchmarks="${1#--benchmarks=}"; shift ;;
        --dir) dir="$2"; shift 2 ;;
        --dir=*) dir="${1#--dir=}"; shift ;;
        --pread) lsmkv_flags+=(--mmap_read=0); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare-peers.sh: unknown option $1" >&2; exit 64 ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian packages: headers and libraries for the peers, and a C compiler.
missing=()
for package in libleveldb-dev librocksdb-dev libsqlite3-dev gcc; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "Installing ${missing[*]}" >&2
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
fi

[[ -n "$dir" ]] || dir="$(mktemp -d "${TMPDIR:-/tmp}/lsmkv-peers.XXXXXX")"
mkdir -p "$dir"
log="$dir/log.txt"
: >"$log"

echo "Building lsmkv (release) and peer_bench" >&2
swift build -c release --product lsmkv >&2
lsmkv="$(swift build -c release --show-bin-path)/lsmkv"
# The workload names come from the tool (its BenchWorkload enum); fsync is the disk probe run once below.
[[ -n "$benchmarks" ]] || benchmarks="$("$lsmkv" bench --list | grep -vx fsync | paste -sd, -)"
peer="$dir/peer_bench"
gcc -O2 -Wall -Wextra -Werror -o "$peer" Scripts/peers/peer_bench.c -lleveldb -lrocksdb -lsqlite3 -lpthread

engines=(lsmkv leveldb rocksdb sqlite)

# run ENGINE WORKLOAD: prints the ops/sec of one workload (one process, existing database kept).
run() {
    local engine="$1" workload="$2" output
    if [[ "$engine" == lsmkv ]]; then
        output="$("$lsmkv" bench --db "$dir/$engine" --use_existing_db --benchmarks="$workload" --num="$num" \
            ${lsmkv_flags[@]+"${lsmkv_flags[@]}"})"
    else
        output="$("$peer" "$engine" --db "$dir/$engine" --use_existing_db --benchmarks="$workload" --num="$num")"
    fi
    printf '== %s %s\n%s\n' "$engine" "$workload" "$output" >>"$log"
    awk -v w="$workload" '$1 == w && $2 == ":" { for (i = 1; i < NF; i++) if ($(i + 1) == "ops/sec;") print $i }' \
        <<<"$output"
}

fsync_line="$("$peer" fsync --db "$dir/fsync" --num 1000)"
echo "$fsync_line" >>"$log"
fsync_rate="$(awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "ops/sec;") print $i }' <<<"$fsync_line")"

declare -A rate
IFS=, read -r -a workloads <<<"$benchmarks"
for index in "${!workloads[@]}"; do
    workload="${workloads[$index]}"
    order=()
    for offset in 0 1 2 3; do order+=("${engines[$(((index + offset) % 4))]}"); done
    echo "$workload: ${order[*]}" >&2
    for engine in "${order[@]}"; do
        rate["$workload,$engine"]="$(run "$engine" "$workload")"
    done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

echo
echo "num=$num value_size=100 key_size=16; sync off except fillsync (num/100 ops, every write synced)"
echo "LSMKV table reads: $([[ ${#lsmkv_flags[@]} -gt 0 ]] && echo "pread (--mmap_read=0)" || echo "guarded memory maps (default)")"
echo "disk: 4 KiB append + fdatasync = $fsync_rate ops/sec ($dir)"
printf '%-13s %10s %10s %10s %10s  %9s %9s %9s\n' workload LSMKV LevelDB RocksDB SQLite vsLevelDB vsRocksDB vsSQLite
for workload in "${workloads[@]}"; do
    l="${rate[$workload,lsmkv]}" d="${rate[$workload,leveldb]}" r="${rate[$workload,rocksdb]}" s="${rate[$workload,sqlite]}"
    printf '%-13s %10s %10s %10s %10s  %9s %9s %9s\n' "$workload" "$l" "$d" "$r" "$s" \
        "$(ratio "$l" "$d")" "$(ratio "$l" "$r")" "$(ratio "$l" "$s")"
done
echo "(ops/sec; ratio = LSMKV / peer, >1 means LSMKV is faster; full output in $log)"
