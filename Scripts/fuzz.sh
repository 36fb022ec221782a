#!/usr/bin/env bash
# Fuzzes the decoders of bytes read from disk with libFuzzer (see Sources/LSMKV/Fuzz/FuzzTarget.swift).
#
#   Scripts/fuzz.sh                   list the targets
#   Scripts/fuzz.sh TARGET [SECONDS]  build, then fuzz TARGET for SECONDS (default 60) at nice 19
#   Scripts/fuzz.sh all [SECONDS]     each target in turn, SECONDS each
#   Scripts/fuzz.sh build             only build .build-fuzz/lsmkv-fuzz
#   Scripts/fuzz.sh seeds DB          add seeds cut from the database directory DB to Tests/Fuzz/Corpus
#
# Seeds come from Tests/Fuzz/Corpus/TARGET and every input that ever crashed from Tests/Fuzz/Regressions/TARGET
# (both read-only); what the fuzzer finds goes to .fuzz-out/TARGET/corpus, crashes to .fuzz-out/TARGET/crashes,
# the log to .fuzz-out/TARGET/fuzz.log. Put a crashing input under Tests/Fuzz/Regressions/TARGET/ once the
# decoder is fixed: `swift test --filter FuzzRegressionTests` replays them. Extra libFuzzer flags: FUZZ_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(log block table filter version-edit write-batch)
BUILD=.build-fuzz
BINARY=$BUILD/lsmkv-fuzz
OUT=.fuzz-out

build() {
    # VFS and LSMKV with coverage instrumentation and ASan; -enable-testing lets the entry point reach internals.
    swift build -c release --build-path "$BUILD" --target LSMKV \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
    # Every target LSMKV depends on: its objects, and for the C targets (CCRC32C, CGuardedCopy, CSyscalls) the module maps
    # SwiftPM generated (LSMKV's and VFS's modules record that they import them, so FuzzMain.swift cannot import
    # LSMKV without them).
    local objects=("$BUILD"/release/VFS.build/*.o "$BUILD"/release/CCRC32C.build/*.o
        "$BUILD"/release/CGuardedCopy.build/*.o "$BUILD"/release/CSyscalls.build/*.o "$BUILD"/release/LSMKV.build/*.o)
    swiftc -O -parse-as-library -sanitize=fuzzer,address -use-ld=lld -I "$BUILD/release/Modules" \
        -Xcc -fmodule-map-file="$BUILD/release/CCRC32C.build/module.modulemap" -I Sources/CCRC32C/include \
        -Xcc -fmodule-map-file="$BUILD/release/CGuardedCopy.build/module.modulemap" -I Sources/CGuardedCopy/include \
        -Xcc -fmodule-map-file="$BUILD/release/CSyscalls.build/module.modulemap" -I Sources/CSyscalls/include \
        Tests/Fuzz/FuzzMain.swift "${objects[@]}" -o "$BINARY"
}

fuzz() {
    local target=$1 seconds=$2
    mkdir -p "$OUT/$target/corpus" "$OUT/$target/crashes" "Tests/Fuzz/Corpus/$target" "Tests/Fuzz/Regressions/$target"
    echo "== fuzzing $target for ${seconds}s (log: $OUT/$target/fuzz.log)"
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no LSMKV_FUZZ_TARGET=$target nice -n 19 "$BINARY" \
        -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$OUT/$target/crashes/" ${FUZZ_FLAGS:-} \
        "$OUT/$target/corpus" "Tests/Fuzz/Corpus/$target" "Tests/Fuzz/Regressions/$target" \
        >"$OUT/$target/fuzz.log" 2>&1 && status=0 || status=$?
    grep -E '^#[0-9]+ +(DONE|pulse|NEW|REDUCE)' "$OUT/$target/fuzz.log" | tail -n 1 || true
    grep -E '^stat::' "$OUT/$target/fuzz.log" || true
    if [ "$status" -ne 0 ]; then
        echo "!! $target: libFuzzer exited $status; crashing input in $OUT/$target/crashes/" >&2
        return "$status"
    fi
}

case "${1:-}" in
"")
    echo "targets: ${TARGETS[*]}"
    echo "usage: Scripts/fuzz.sh TARGET|all|build [SECONDS]"
    ;;
build) build ;;
seeds)
    [ -d "${2:-}" ] || { echo "usage: Scripts/fuzz.sh seeds DB (a database directory made by the engine)" >&2; exit 64; }
    python3 Scripts/fuzz_seeds.py "$2" Tests/Fuzz/Corpus
    ;;
all)
    build
    failed=0
    for target in "${TARGETS[@]}"; do fuzz "$target" "${2:-60}" || failed=1; done
    exit "$failed"
    ;;
*)
    if [[ ! " ${TARGETS[*]} " =~ " $1 " ]]; then
        echo "unknown target '$1'; targets: ${TARGETS[*]}" >&2
        exit 64
    fi
    build
    fuzz "$1" "${2:-60}"
    ;;
esac
