#!/usr/bin/env bash
# Cross-checks LSMKV's on-disk files against independent oracles:
# real LevelDB 1.23 (through Scripts/oracle/leveldb_oracle) and RocksDB's sst_dump.
#
# Every check prints "PASS: name" or "FAIL: name"; the last line is
# "N passed, M failed" and the exit status is non-zero if anything failed.
# Nothing is skipped silently: when the lsmkv tool cannot be built, every check
# that needs it FAILs and says why.
#
# Self-tests (LevelDB only; they prove the harness itself is right):
#   S1  LevelDB write -> LevelDB dump == expected       (data set + comparison)
#   S2  sst_dump verify / row count on LevelDB tables   (sst_dump path)
#   S3  Bloom canary on a LevelDB-written table          (zero-filter path)
# Engine checks:
#   A0  lsmkv loads phase 1 with small MemTables, flushes, loads phase 2 into
#       the live log; the directory has CURRENT, a MANIFEST, >= 2 tables, a
#       non-empty log
#   A1  LSMKV -> LevelDB: leveldb_oracle dump of a copy == expected
#   A2  lsmkv scan --hex == expected
#   B   LevelDB -> LSMKV: lsmkv scan of a LevelDB-written db == expected
#   C1  sst_dump verify + scan row count of every LSMKV table
#   C2  newest versions in LSMKV's tables == expected (keys phase 2 leaves alone)
#   D   Bloom canary on an LSMKV table
#   E1  leveled compaction: phase 1 with small MemTables, lsmkv compact, phase 2
#       with flushes; tables in levels >= 1; LevelDB dump == expected, verify ok
#   E2  the same with size-tiered compaction (runs in levels 1-6)
#   F   LevelDB reads a repaired database: CURRENT deleted and the MANIFEST
#       damaged mid-record, `lsmkv repair` rebuilds them from the tables and
#       the live log; leveldb_oracle dump == expected
#
# Environment:
#   ORACLE_SEED=1                      data set seed
#   ORACLE_LSMKV_WRITE_BUFFER_SIZE     MemTable size for A0 (default 262144)
#   ORACLE_TIMEOUT=300                 seconds allowed per lsmkv invocation
#   ORACLE_KEEP=1                      keep the work directory for inspection
#   ORACLE_LSMKV_BIN=PATH              use PATH instead of the freshly built
#                                      lsmkv (announced loudly; e.g.
#                                      Scripts/oracle/fake_lsmkv.sh, a LevelDB-
#                                      backed stand-in that tests the harness)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ORACLE_SRC=$ROOT/Scripts/oracle
ORACLE=$ORACLE_SRC/bin/leveldb_oracle
SEED=${ORACLE_SEED:-1}
SMALL_WBS=${ORACLE_LSMKV_WRITE_BUFFER_SIZE:-262144}
BIG_WBS=$((64 * 1024 * 1024))
TIMEOUT=${ORACLE_TIMEOUT:-300}
CANARY_SAMPLE=50

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-oracles.XXXXXX")
cleanup() {
    if [[ ${ORACLE_KEEP:-0} == 1 ]]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

DS=$WORK/dataset
LSMKV_BIN=""
PASSED=0
FAILED=0
FAILED_NAMES=()

# ------------------------------------------------------------------ helpers

log() { echo "  $*"; }

# fail MESSAGE: ends the current check (checks run in subshells).
fail() {
    echo "  error: $*" >&2
    exit 1
}

# run_check NAME FUNCTION: runs FUNCTION in a subshell with errexit on, so any
# failing command fails the check (and only the check), then tallies it.
run_check() {
    local name=$1 fn=$2 rc
    echo
    echo "=== $name"
    set +e
    (
        set -eEuo pipefail
        trap 'echo "  error: command failed (exit $?): $BASH_COMMAND" >&2' ERR
        "$fn"
    )
    rc=$?
    set -e
    if ((rc == 0)); then
        echo "PASS: $name"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL: $name"
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
    fi
}

need_lsmkv() {
    [[ -n $LSMKV_BIN && -x $LSMKV_BIN ]] ||
        fail "the lsmkv binary is not available (see the 'build lsmkv' check); this check cannot run"
}

lsmkv() { timeout "$TIMEOUT" "$LSMKV_BIN" "$@"; }

# lsmkv_small ...: lsmkv with small MemTables, so loads produce several tables.
lsmkv_small() { LSMKV_WRITE_BUFFER_SIZE=$SMALL_WBS lsmkv "$@"; }

# lsmkv_level0 ...: lsmkv_small with automatic compaction out of reach, so every
# flushed table stays in level 0 whatever the timing (E1/E2 test compacted shapes).
lsmkv_level0() { LSMKV_LEVEL0_COMPACTION_TRIGGER=1000 lsmkv_small "$@"; }

# same_lines GOT EXPECTED: compares two hex line files, shows the first
# differences (long values cut) on mismatch.
same_lines() {
    local got=$1 want=$2
    if cmp -s "$got" "$want"; then
        log "identical: $(wc -l <"$got") lines"
        return 0
    fi
    echo "  mismatch: got $(wc -l <"$got") lines, expected $(wc -l <"$want") lines; first differences (< got, > expected):" >&2
    diff "$got" "$want" | cut -c1-150 | head -20 >&2 || true
    fail "$(basename "$got") differs from $(basename "$want")"
}

# copy_db SRC DST: LevelDB and lsmkv both write on open, so oracles only ever
# see copies.
copy_db() { rm -rf "$2" && cp -r "$1" "$2"; }

# live_tables DIR: sets LIVE to the live tables of DIR (per its MANIFEST,
# parsed by our own reader) as paths sorted by name, and writes "LEVEL NAME"
# lines to DIR.live. A *.ldb file the MANIFEST does not list (LevelDB leaves
# interrupted compaction output behind on close) is not checked; a listed one
# that is missing fails the check. Runs in the current shell so fail works.
LIVE=()
live_tables() {
    local dir=$1 level name
    python3 "$ORACLE_SRC/sst_scan.py" live-tables "$dir" >"$dir.live" ||
        fail "cannot read the MANIFEST of $dir"
    LIVE=()
    while read -r level name; do
        [[ -f $dir/$name ]] || fail "MANIFEST lists $name (level $level) but $dir/$name does not exist"
        LIVE+=("$dir/$name")
    done <"$dir.live"
    ((${#LIVE[@]} > 0)) || fail "the MANIFEST of $dir lists no tables"
}

# scan_tables DIR OUTDIR: copies each table to OUTDIR/NAME.sst (sst_dump wants
# that extension) and writes OUTDIR/NAME.scan from sst_dump --output_hex.
scan_tables() {
    local dir=$1 out=$2 t name
    mkdir -p "$out"
    live_tables "$dir"
    for t in "${LIVE[@]}"; do
        name=$(basename "$t" .ldb)
        cp "$t" "$out/$name.sst"
        sst_dump --file="$out/$name.sst" --command=scan --verify_checksum --output_hex >"$out/$name.scan" 2>&1 ||
            fail "sst_dump scan exited non-zero on $name.ldb"
        if grep -qiE 'corruption|error' "$out/$name.scan"; then
            fail "sst_dump scan reported a problem in $name.ldb: $(grep -iE 'corruption|error' "$out/$name.scan" | head -3)"
        fi
    done
}

# verify_tables DIR: per table, sst_dump verify, check --verify_checksum and
# scan --verify_checksum; each must exit 0 AND print no "Corruption"/"error"
# (sst_dump 7.8 exits 0 even when it reports a checksum mismatch, and on
# LevelDB-format tables `verify` does not read the data blocks at all: a
# flipped data byte still gives "The file is ok"). Then the scan's row count
# must equal the entries counted by our own walker (leveldb_oracle stat, which
# also checks every block CRC itself).
verify_tables() {
    local dir=$1 out t name vout rows entries n=0
    out=$(mktemp -d "$WORK/verify.XXXXXX")
    live_tables "$dir"
    for t in "${LIVE[@]}"; do
        name=$(basename "$t" .ldb)
        cp "$t" "$out/$name.sst"
        vout=$(sst_dump --file="$out/$name.sst" --command=verify 2>&1) ||
            fail "sst_dump verify exited non-zero on $name.ldb: $vout"
        if grep -qiE 'corruption|error' <<<"$vout"; then
            fail "sst_dump verify reported a problem in $name.ldb: $vout"
        fi
        grep -q 'The file is ok' <<<"$vout" || fail "sst_dump verify did not report 'The file is ok' for $name.ldb: $vout"
        vout=$(sst_dump --file="$out/$name.sst" --command=check --verify_checksum 2>&1) ||
            fail "sst_dump check exited non-zero on $name.ldb: $vout"
        if grep -qiE 'corruption|error' <<<"$vout"; then
            fail "sst_dump check --verify_checksum reported a problem in $name.ldb: $vout"
        fi
        sst_dump --file="$out/$name.sst" --command=scan --verify_checksum --output_hex >"$out/$name.scan" 2>&1 ||
            fail "sst_dump scan exited non-zero on $name.ldb"
        if grep -qiE 'corruption|error' "$out/$name.scan"; then
            fail "sst_dump scan reported a problem in $name.ldb: $(grep -iE 'corruption|error' "$out/$name.scan" | head -3)"
        fi
        rows=$(python3 "$ORACLE_SRC/sst_scan.py" rows "$out/$name.scan")
        entries=$("$ORACLE" stat "$t" | awk '{print $2}')
        [[ $rows == "$entries" ]] ||
            fail "$name.ldb: sst_dump scan shows $rows rows, the table holds $entries entries"
        log "$name.ldb: ok, $rows rows ($("$ORACLE" stat "$t"))"
        n=$((n + 1))
    done
}

# canary DB: the Bloom filter canary. Picks the biggest table, a sample of keys
# only that table holds, checks LevelDB finds them, then zeroes the table's
# filter bits in a copy and checks LevelDB no longer finds >= 90% of them:
# proof that the filter is built right and that LevelDB consults it.
canary() {
    local db=$1 w target others=() t n first want got found missing
    w=$(mktemp -d "$WORK/canary.XXXXXX")
    [[ -d $db ]] || fail "database directory $db does not exist"
    live_tables "$db"
    n=${#LIVE[@]}
    ((n < 4)) || log "note: $n tables; LevelDB compacts level 0 at 4 files on open, which can rewrite the filter"
    scan_tables "$db" "$w/scan"
    target=$(for t in "${LIVE[@]}"; do echo "$(stat -c %s "$t") $t"; done | sort -n | tail -1 | cut -d' ' -f2)
    for t in "${LIVE[@]}"; do
        [[ $t == "$target" ]] || others+=("$w/scan/$(basename "$t" .ldb).scan")
    done
    python3 "$ORACLE_SRC/sst_scan.py" canary-keys --expected "$DS/expected.txt" --count "$CANARY_SAMPLE" \
        "$w/scan/$(basename "$target" .ldb).scan" "${others[@]}" >"$w/keys"
    n=$(wc -l <"$w/keys")
    log "target table $(basename "$target"): $n sample keys only it holds"
    ((n >= 20)) || fail "only $n keys unique to $(basename "$target"); need at least 20 for a meaningful canary"

    # Before: with the intact filter LevelDB finds the first key and all others.
    copy_db "$db" "$w/before"
    first=$(head -1 "$w/keys")
    # ("" forces string comparison: awk would compare "00" and "0000" as numbers)
    want=$(awk -F'\t' -v k="$first" '$1 "" == k "" {print $2}' "$DS/expected.txt")
    got=$("$ORACLE" get "$w/before" "$first") || fail "intact table: LevelDB get $first failed or found nothing"
    [[ $got == "$want" ]] || fail "intact table: LevelDB get $first returned a different value"
    "$ORACLE" probe "$w/before" <"$w/keys" >"$w/before.out"
    found=$(grep -c $'\tfound\t' "$w/before.out" || true)
    ((found == n)) || fail "intact table: LevelDB found only $found of $n sample keys"
    log "intact filter: LevelDB finds $found/$n"

    # After: zero the filter bits in a copy; the keys must vanish for LevelDB.
    copy_db "$db" "$w/after"
    "$ORACLE" zero-filter "$w/after/$(basename "$target")" | sed 's/^/  /'
    "$ORACLE" stat "$w/after/$(basename "$target")" >/dev/null # block CRCs still valid
    "$ORACLE" probe "$w/after" <"$w/keys" >"$w/after.out"
    missing=$(grep -c $'\tmissing$' "$w/after.out" || true)
    log "zeroed filter: LevelDB misses $missing/$n"
    ((missing * 10 >= n * 9)) ||
        fail "after zeroing the filter LevelDB still found $((n - missing)) of $n keys: the filter is not consulted or not what LevelDB expects"
}

# ------------------------------------------------------------------ setup

build_oracle() {
    echo "=== build leveldb_oracle"
    mkdir -p "$ORACLE_SRC/bin"
    gcc -O2 -Wall -Wextra -o "$ORACLE" "$ORACLE_SRC/leveldb_oracle.c" -lleveldb
}

make_dataset() {
    echo "=== data set (seed $SEED)"
    python3 "$ORACLE_SRC/make_dataset.py" --seed "$SEED" --out-dir "$DS"
}

check_build_lsmkv() {
    cd "$ROOT"
    swift build -c release --product lsmkv 2>&1 | tail -20
    local bin
    bin=$(swift build -c release --show-bin-path)/lsmkv
    [[ -x $bin ]] || fail "swift build succeeded but $bin does not exist"
    echo "$bin" >"$WORK/lsmkv-path"
}

# ------------------------------------------------------------- self-tests

check_s1_leveldb_roundtrip() {
    LEVELDB_ORACLE_WRITE_BUFFER_SIZE=65536 "$ORACLE" write "$WORK/leveldb-db" <"$DS/all.txt"
    live_tables "$WORK/leveldb-db"
    log "LevelDB wrote ${#LIVE[@]} live tables (level name: $(tr '\n' ' ' <"$WORK/leveldb-db.live")) and $(find "$WORK/leveldb-db" -name '*.log' | wc -l) log"
    copy_db "$WORK/leveldb-db" "$WORK/s1"
    "$ORACLE" dump "$WORK/s1" >"$WORK/s1.out"
    same_lines "$WORK/s1.out" "$DS/expected.txt"
}

# A LevelDB database compacted into one level of several non-overlapping
# tables: LevelDB has no reason to compact it again on open (the canary's
# zeroed table stays put), and every table file is live.
make_compacted_leveldb_db() {
    [[ -d $WORK/leveldb-compacted ]] && return 0
    LEVELDB_ORACLE_WRITE_BUFFER_SIZE=65536 LEVELDB_ORACLE_MAX_FILE_SIZE=524288 LEVELDB_ORACLE_COMPACT=1 \
        "$ORACLE" write "$WORK/leveldb-compacted" <"$DS/all.txt"
}

check_s2_sst_dump_on_leveldb() {
    make_compacted_leveldb_db
    verify_tables "$WORK/leveldb-compacted"
}

check_s3_canary_on_leveldb() {
    make_compacted_leveldb_db
    canary "$WORK/leveldb-compacted"
}

# ---------------------------------------------------------- engine checks

# Phase 1 with small MemTables, explicit flush, phase 2 left in the log.
check_a0_lsmkv_load() {
    need_lsmkv
    local db=$WORK/lsmkv-db n logbytes
    rm -rf "$db"
    lsmkv_level0 --db "$db" load --hex <"$DS/phase1.txt"
    lsmkv_level0 --db "$db" flush
    lsmkv_level0 --db "$db" load --hex <"$DS/phase2.txt"
    [[ -d $db ]] || fail "lsmkv load did not create $db"
    ls -l "$db" | sed 's/^/  /'
    [[ -s $db/CURRENT ]] || fail "no CURRENT file"
    compgen -G "$db/MANIFEST-*" >/dev/null || fail "no MANIFEST-* file"
    live_tables "$db"
    log "live tables (level name): $(tr '\n' ' ' <"$db.live")"
    n=${#LIVE[@]}
    ((n >= 2)) || fail "expected several level-0 tables from LSMKV_WRITE_BUFFER_SIZE=$SMALL_WBS, found $n *.ldb"
    logbytes=$(find "$db" -maxdepth 1 -name '*.log' -size +0 | wc -l)
    ((logbytes >= 1)) || fail "no non-empty *.log: phase 2 should still be in the live log"
    touch "$WORK/lsmkv-db.ok"
}

need_lsmkv_db() {
    need_lsmkv
    [[ -f $WORK/lsmkv-db.ok ]] || fail "the LSMKV database was not built (see check A0)"
}

check_a1_leveldb_reads_lsmkv() {
    need_lsmkv_db
    copy_db "$WORK/lsmkv-db" "$WORK/a1"
    "$ORACLE" dump "$WORK/a1" >"$WORK/a1.out"
    same_lines "$WORK/a1.out" "$DS/expected.txt"
}

check_a2_lsmkv_scan() {
    need_lsmkv_db
    copy_db "$WORK/lsmkv-db" "$WORK/a2"
    lsmkv --db "$WORK/a2" scan --hex >"$WORK/a2.out"
    same_lines "$WORK/a2.out" "$DS/expected.txt"
}

check_b_lsmkv_reads_leveldb() {
    need_lsmkv
    [[ -d $WORK/leveldb-db ]] ||
        LEVELDB_ORACLE_WRITE_BUFFER_SIZE=65536 "$ORACLE" write "$WORK/leveldb-db" <"$DS/all.txt"
    copy_db "$WORK/leveldb-db" "$WORK/b"
    lsmkv --db "$WORK/b" scan --hex >"$WORK/b.out"
    same_lines "$WORK/b.out" "$DS/expected.txt"
}

check_c1_sst_dump_verify() {
    need_lsmkv_db
    verify_tables "$WORK/lsmkv-db"
}

check_c2_sst_dump_contents() {
    need_lsmkv_db
    scan_tables "$WORK/lsmkv-db" "$WORK/c2"
    python3 "$ORACLE_SRC/sst_scan.py" newest --expected "$DS/expected.txt" --exclude "$DS/phase2.txt" \
        "$WORK"/c2/*.scan | sed 's/^/  /'
}

# A separate database with one big MemTable: phase 1 becomes one table, phase 2
# stays in the log. Few level-0 files, so LevelDB does not compact on open.
check_d_canary_on_lsmkv() {
    need_lsmkv
    local db=$WORK/lsmkv-canary-db
    rm -rf "$db"
    LSMKV_WRITE_BUFFER_SIZE=$BIG_WBS lsmkv --db "$db" load --hex <"$DS/phase1.txt"
    LSMKV_WRITE_BUFFER_SIZE=$BIG_WBS lsmkv --db "$db" flush
    LSMKV_WRITE_BUFFER_SIZE=$BIG_WBS lsmkv --db "$db" load --hex <"$DS/phase2.txt"
    canary "$db"
}

# check_compacted STRATEGY: a database shaped by compaction (levels >= 1 and
# fresh level-0 tables above them) must read the same through LevelDB.
check_compacted() {
    need_lsmkv
    local strategy=$1 db=$WORK/lsmkv-$1 deep
    # Small output tables, so a compacted level holds several files for LevelDB to binary-search.
    export LSMKV_TARGET_FILE_SIZE=131072
    rm -rf "$db"
    LSMKV_COMPACTION=$strategy lsmkv_small --db "$db" load --hex <"$DS/phase1.txt"
    LSMKV_COMPACTION=$strategy lsmkv_small --db "$db" compact | sed 's/^/  /'
    # Phase 2 in three parts, each flushed: level-0 tables newer than the compacted levels.
    split -n l/3 -d "$DS/phase2.txt" "$WORK/phase2-$strategy."
    for part in "$WORK/phase2-$strategy".0*; do
        LSMKV_COMPACTION=$strategy LSMKV_WRITE_BUFFER_SIZE=16384 lsmkv --db "$db" load --hex <"$part"
        LSMKV_COMPACTION=$strategy lsmkv --db "$db" flush
    done
    LSMKV_COMPACTION=$strategy lsmkv --db "$db" stats | sed 's/^/  /'
    live_tables "$db"
    deep=$(awk '$1 > 0' "$db.live" | wc -l)
    ((deep >= 1)) || fail "no table below level 0 after compaction: $(tr '\n' ' ' <"$db.live")"
    lsmkv --db "$db" verify | tail -1 | sed 's/^/  /'
    copy_db "$db" "$WORK/$strategy-leveldb"
    "$ORACLE" dump "$WORK/$strategy-leveldb" >"$WORK/$strategy.out"
    same_lines "$WORK/$strategy.out" "$DS/expected.txt"
    lsmkv --db "$db" scan --hex >"$WORK/$strategy-lsmkv.out"
    same_lines "$WORK/$strategy-lsmkv.out" "$DS/expected.txt"
}

check_e1_leveled() { check_compacted leveled; }
check_e2_tiered() { check_compacted tiered; }

# Repair must lose nothing here (the tables and the log are intact) and write a
# MANIFEST and CURRENT that real LevelDB accepts.
check_f_leveldb_reads_repaired() {
    need_lsmkv_db
    local db=$WORK/f manifest
    copy_db "$WORK/lsmkv-db" "$db"
    manifest=$(cat "$db/CURRENT")
    rm "$db/CURRENT"
    printf 'garbage' | dd of="$db/$manifest" bs=1 seek=20 conv=notrunc status=none
    lsmkv --db "$db" repair | sed 's/^/  /'
    [[ -f $db/lost/$manifest ]] || fail "the damaged $manifest is not in lost/"
    "$ORACLE" dump "$db" >"$WORK/f.out"
    same_lines "$WORK/f.out" "$DS/expected.txt"
}

# ------------------------------------------------------------------- main

main() {
    "$ROOT/Scripts/install-deps.sh"
    local tool
    for tool in gcc python3 sst_dump swift timeout; do
        command -v "$tool" >/dev/null || { echo "check-oracles: '$tool' not found" >&2; exit 1; }
    done
    # Everything below needs these two; without them no check means anything.
    build_oracle || { echo "check-oracles: cannot build the C oracle" >&2; exit 1; }
    make_dataset || { echo "check-oracles: cannot generate the data set" >&2; exit 1; }

    run_check "build lsmkv (swift build -c release)" check_build_lsmkv
    [[ -f $WORK/lsmkv-path ]] && LSMKV_BIN=$(cat "$WORK/lsmkv-path")
    if [[ -n ${ORACLE_LSMKV_BIN:-} ]]; then
        LSMKV_BIN=$(cd "$(dirname "$ORACLE_LSMKV_BIN")" && pwd)/$(basename "$ORACLE_LSMKV_BIN")
        echo
        echo "!!! ORACLE_LSMKV_BIN is set: checks use $LSMKV_BIN, NOT the lsmkv just built !!!"
    fi

    run_check "S1 self-test: LevelDB write -> LevelDB dump == expected" check_s1_leveldb_roundtrip
    run_check "S2 self-test: sst_dump verify + row count on LevelDB tables" check_s2_sst_dump_on_leveldb
    run_check "S3 self-test: Bloom canary on a LevelDB table" check_s3_canary_on_leveldb
    run_check "A0 lsmkv load: phase 1 (small MemTables) + flush + phase 2 in the live log" check_a0_lsmkv_load
    run_check "A1 LSMKV -> LevelDB: leveldb_oracle dump == expected" check_a1_leveldb_reads_lsmkv
    run_check "A2 LSMKV: lsmkv scan --hex == expected" check_a2_lsmkv_scan
    run_check "B  LevelDB -> LSMKV: lsmkv scan of a LevelDB database == expected" check_b_lsmkv_reads_leveldb
    run_check "C1 sst_dump verify + row count of every LSMKV table" check_c1_sst_dump_verify
    run_check "C2 sst_dump scan: newest versions in LSMKV tables == expected" check_c2_sst_dump_contents
    run_check "D  Bloom canary on an LSMKV table" check_d_canary_on_lsmkv
    run_check "E1 leveled compaction -> LevelDB dump == expected" check_e1_leveled
    run_check "E2 size-tiered compaction -> LevelDB dump == expected" check_e2_tiered
    run_check "F  LevelDB reads a database rebuilt by lsmkv repair == expected" check_f_leveldb_reads_repaired

    echo
    if ((FAILED > 0)); then
        printf 'failed: %s\n' "${FAILED_NAMES[@]}"
    fi
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0))
}

main "$@"
