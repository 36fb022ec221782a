#!/usr/bin/env bash
# Proves the crash tests have teeth: builds the engine once with the planted bugs compiled in
# (-DLSMKV_PLANTED_BUGS), then for each bug runs the randomized crash property tests and the recovery tests with
# that bug active and requires them to FAIL; with no bug active they must PASS. The missing-sync bugs are planted
# from outside the engine (CrashTest's SyncAblation skips that sync through the file system); the others are
# decisions inside the engine (LSMKV's PlantedBug).
#
# It then runs the real-process crash runner (`crashtest`, every scenario in FaultScenarios/) against each planted
# bug and reports which scenarios catch which bug.
#
# Usage: Scripts/mutation-check.sh [CYCLES] [CRASHTEST_SECONDS]
#   CYCLES             in-process crash cycles per model per run (default 300)
#   CRASHTEST_SECONDS  crashtest budget per planted bug (default 30; 0 skips the crashtest part)
set -euo pipefail
cd "$(dirname "$0")/.."

cycles="${1:-300}"
crashtest_seconds="${2:-30}"
scratch=".build-planted"
filter='CrashPropertyTests|RecoveryTests|CompactionTests'
bugs=(
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
    tombstone-dropped-above-base-level
    compaction-output-not-synced
    compaction-inputs-deleted-before-install
)

run_tests() {  # $1 = bug name or "" ; prints elapsed seconds, returns the test exit status
    local start end status
    start=$(date +%s.%N)
    set +e
    LSMKV_PLANTED_BUG="$1" LSMKV_CRASH_CYCLES="$cycles" \
        swift test --scratch-path "$scratch" -Xswiftc -DLSMKV_PLANTED_BUGS --skip-build --filter "$filter" \
        > "$log_dir/${1:-none}.log" 2>&1
    status=$?
    set -e
    end=$(date +%s.%N)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    return $status
}

log_dir=$(mktemp -d)
echo "building with planted bugs into $scratch ..."
swift build --build-tests --scratch-path "$scratch" -Xswiftc -DLSMKV_PLANTED_BUGS > "$log_dir/build.log" 2>&1 \
    || { cat "$log_dir/build.log"; exit 1; }

failures=0
printf '%-36s %-8s %8s  %s\n' "planted bug" "result" "seconds" "first failing test"
if run_tests ""; then
    printf '%-36s %-8s %8s\n' "(none: the real engine)" "passes" "$elapsed"
else
    printf '%-36s %-8s %8s  see %s\n' "(none: the real engine)" "FAILS" "$elapsed" "$log_dir/none.log"
    failures=$((failures + 1))
fi
caught=0
for bug in "${bugs[@]}"; do
    if run_tests "$bug"; then
        printf '%-36s %-8s %8s\n' "$bug" "MISSED" "$elapsed"
    else
        first=$(grep -m1 -oE 'Test [A-Za-z]+\([^)]*\)[^✘]*recorded an issue' "$log_dir/$bug.log" | head -1 \
            | sed -E 's/ recorded an issue//; s/^Test //' || true)
        printf '%-36s %-8s %8s  %s\n' "$bug" "caught" "$elapsed" "${first:-(see log)}"
        caught=$((caught + 1))
    fi
done
echo
echo "swift test: caught $caught of ${#bugs[@]} planted bugs; logs in $log_dir"

# Scenarios whose result column is not "ok" in a crashtest summary table.
failing_scenarios() {
    awk '/^---/ { section++; next } section == 1 && $NF != "ok" { printf "%s ", $1 }' "$1"
}

crashtest_caught=0
if [ "$crashtest_seconds" -gt 0 ]; then
    crashtest="$scratch/debug/crashtest"
    echo
    echo "crashtest (${crashtest_seconds}s per bug, seed 7) — scenarios that caught each bug:"
    if "$crashtest" run --duration "$crashtest_seconds" --seed 7 --keep-failures "$log_dir/failures-none" \
        > "$log_dir/crashtest-none.log" 2>&1; then
        printf '  %-36s passes\n' "(none: the real engine)"
    else
        printf '  %-36s FAILS: %s\n' "(none: the real engine)" "$(failing_scenarios "$log_dir/crashtest-none.log")"
        failures=$((failures + 1))
    fi
    for bug in "${bugs[@]}"; do
        set +e
        LSMKV_PLANTED_BUG="$bug" "$crashtest" run --duration "$crashtest_seconds" --seed 7 \
            --keep-failures "$log_dir/failures-$bug" > "$log_dir/crashtest-$bug.log" 2>&1
        status=$?
        set -e
        if [ "$status" -ne 0 ]; then
            printf '  %-36s caught by: %s\n' "$bug" "$(failing_scenarios "$log_dir/crashtest-$bug.log")"
            crashtest_caught=$((crashtest_caught + 1))
        else
            printf '  %-36s MISSED\n' "$bug"
        fi
    done
    echo "crashtest: caught $crashtest_caught of ${#bugs[@]} planted bugs"
fi

echo
echo "$caught passed, $(( ${#bugs[@]} - caught + failures )) failed"
[ "$failures" -eq 0 ] && [ "$caught" -eq "${#bugs[@]}" ]
