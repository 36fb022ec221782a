#!/usr/bin/env bash
# Proves the crash tests have teeth, through both channels a user has: builds the engine with the planted bugs
# compiled in (-DLSMKV_PLANTED_BUGS), then for each bug requires
#   1. `swift test` (the randomized crash property tests and the recovery tests) to FAIL with that bug active, and
#   2. the default `crashtest` campaign (every scenario in FaultScenarios/, real worker processes, 60 s, release
#      build) to FAIL with that bug active,
# and both to PASS with no bug active. It prints which test and which scenarios caught each bug. The missing-sync
# bugs are planted from outside the engine (CrashTest's SyncAblation skips that sync through the file system);
# the others are decisions inside the engine (LSMKV's PlantedBug).
#
# Usage: Scripts/mutation-check.sh [CYCLES] [CRASHTEST_SECONDS]
#   CYCLES             in-process crash cycles per model per run (default 300)
#   CRASHTEST_SECONDS  crashtest budget per planted bug (default 60, the default campaign; 0 skips crashtest,
#                      and then the check is incomplete and fails)
# Environment:
#   MUTATION_BUGS      the bugs to check, separated by spaces (default: every planted bug below)
#   MUTATION_SEED      the crashtest campaign seed (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."

cycles="${1:-300}"
crashtest_seconds="${2:-60}"
seed="${MUTATION_SEED:-7}"
scratch=".build-planted"
filter='CrashPropertyTests|RecoveryTests|CompactionTests|ConcurrentWritersTests|LogTests|PowerLossImageTests'
all_bugs=(
    no-dir-sync-after-current-rename
    no-dir-sync-for-new-table
    table-not-synced
    wal-not-synced-before-ack
    torn-tail-is-fatal
    log-deleted-before-edit
    tombstone-ignored-on-recovery
    old-log-not-synced-at-switch
    manifest-not-synced
    mid-log-damage-truncated-silently
    synced-damage-treated-as-torn-tail
    zero-type-read-as-padding
    tombstone-dropped-above-base-level
    compaction-output-not-synced
    compaction-inputs-deleted-before-install
    sync-write-in-unsynced-group
)
if [ -n "${MUTATION_BUGS:-}" ]; then
    read -r -a bugs <<< "$MUTATION_BUGS"
    for bug in "${bugs[@]}"; do
        [[ " ${all_bugs[*]} " == *" $bug "* ]] || { echo "unknown planted bug: $bug" >&2; exit 64; }
    done
else
    bugs=("${all_bugs[@]}")
fi

seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

run_tests() {  # $1 = bug name or "" ; sets elapsed, returns the test exit status
    local start status
    start=$(date +%s.%N)
    set +e
    LSMKV_PLANTED_BUG="$1" LSMKV_CRASH_CYCLES="$cycles" \
        swift test --scratch-path "$scratch" -Xswiftc -DLSMKV_PLANTED_BUGS --skip-build --filter "$filter" \
        > "$log_dir/test-${1:-none}.log" 2>&1
    status=$?
    set -e
    elapsed=$(seconds_since "$start")
    return $status
}

run_crashtest() {  # $1 = bug name or "" ; sets elapsed, returns crashtest's exit status
    local start status
    start=$(date +%s.%N)
    set +e
    LSMKV_PLANTED_BUG="$1" "$scratch/release/crashtest" run --duration "$crashtest_seconds" --seed "$seed" \
        --keep-failures "$log_dir/failures-${1:-none}" > "$log_dir/crashtest-${1:-none}.log" 2>&1
    status=$?
    set -e
    elapsed=$(seconds_since "$start")
    return $status
}

# Scenarios whose result column is not "ok" in a crashtest summary table.
failing_scenarios() {
    awk '/^---/ { section++; next } section == 1 && $NF != "ok" { printf "%s ", $1 }' "$1"
}

first_failing_test() {
    grep -m1 -oE 'Test [A-Za-z]+\([^)]*\)[^✘]*recorded an issue' "$1" | head -1 \
        | sed -E 's/ recorded an issue//; s/^Test //' || true
}

log_dir=$(mktemp -d)
echo "building with planted bugs into $scratch (tests: debug; crashtest: release) ..."
swift build --build-tests --scratch-path "$scratch" -Xswiftc -DLSMKV_PLANTED_BUGS > "$log_dir/build.log" 2>&1 \
    || { cat "$log_dir/build.log"; exit 1; }
if [ "$crashtest_seconds" -gt 0 ]; then
    swift build -c release --product crashtest --scratch-path "$scratch" -Xswiftc -DLSMKV_PLANTED_BUGS \
        > "$log_dir/build-release.log" 2>&1 || { cat "$log_dir/build-release.log"; exit 1; }
fi

failures=0
test_caught=0
crashtest_caught=0
both_caught=0
printf '%-42s %-8s %7s  %-8s %7s  %s\n' "planted bug" "test" "seconds" "crashtest" "seconds" \
    "first failing test / scenarios that caught it"
# The real engine: both channels must pass.
row_test="passes"
row_crash="skipped"
detail=""
if ! run_tests ""; then row_test="FAILS"; detail="see $log_dir/test-none.log"; failures=$((failures + 1)); fi
test_elapsed=$elapsed
crash_elapsed="-"
if [ "$crashtest_seconds" -gt 0 ]; then
    row_crash="passes"
    if ! run_crashtest ""; then
        row_crash="FAILS"
        detail="$detail crashtest failed: $(failing_scenarios "$log_dir/crashtest-none.log")"
        failures=$((failures + 1))
    fi
    crash_elapsed=$elapsed
fi
printf '%-42s %-8s %7s  %-8s %7s  %s\n' "(none: the real engine)" "$row_test" "$test_elapsed" "$row_crash" \
    "$crash_elapsed" "$detail"

for bug in "${bugs[@]}"; do
    row_test="MISSED"
    first="-"
    if ! run_tests "$bug"; then
        row_test="caught"
        first=$(first_failing_test "$log_dir/test-$bug.log")
        first=${first:-"(see log)"}
        test_caught=$((test_caught + 1))
    fi
    test_elapsed=$elapsed
    row_crash="skipped"
    scenarios="-"
    crash_elapsed="-"
    if [ "$crashtest_seconds" -gt 0 ]; then
        row_crash="MISSED"
        if ! run_crashtest "$bug"; then
            row_crash="caught"
            scenarios=$(failing_scenarios "$log_dir/crashtest-$bug.log")
            crashtest_caught=$((crashtest_caught + 1))
        fi
        crash_elapsed=$elapsed
    fi
    [ "$row_test" = caught ] && [ "$row_crash" = caught ] && both_caught=$((both_caught + 1))
    printf '%-42s %-8s %7s  %-8s %7s  %s / %s\n' "$bug" "$row_test" "$test_elapsed" "$row_crash" "$crash_elapsed" \
        "$first" "$scenarios"
done
echo
echo "swift test: caught $test_caught of ${#bugs[@]} planted bugs"
if [ "$crashtest_seconds" -gt 0 ]; then
    echo "crashtest (${crashtest_seconds}s campaign, seed $seed): caught $crashtest_caught of ${#bugs[@]} planted bugs"
else
    echo "crashtest: skipped (CRASHTEST_SECONDS=0): the check is incomplete"
fi
echo "both channels: caught $both_caught of ${#bugs[@]}; logs in $log_dir"
[ "$failures" -eq 0 ] && [ "$both_caught" -eq "${#bugs[@]}" ]
