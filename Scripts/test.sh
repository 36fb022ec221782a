#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs missing Debian
# packages, runs `swift test`, the LevelDB / RocksDB oracle checks, then a
# fuzz smoke run (every libFuzzer target for a few seconds).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

run_swift_tests() {
    echo "=== swift test"
    # Output is printed as it comes; pipefail-free plain call so a failing
    # `swift test` fails this script through set -e.
    swift test
}

# Builds the libFuzzer binary (release, ASan; about 1.5 minutes on 2 cores) and
# runs each decoder target for FUZZ_SMOKE_SECONDS (default 5): a crash fails
# the script, with the input left in .fuzz-out/TARGET/crashes/.
run_fuzz_smoke() {
    echo "=== fuzz smoke (${FUZZ_SMOKE_SECONDS:-5}s per target)"
    Scripts/fuzz.sh all "${FUZZ_SMOKE_SECONDS:-5}"
}

main() {
    cd "$ROOT"
    echo "=== dependencies"
    Scripts/install-deps.sh
    echo "=== layering"
    python3 Scripts/check-layers.py
    run_swift_tests
    echo
    echo "=== oracle checks"
    Scripts/check-oracles.sh
    echo
    run_fuzz_smoke
}

main "$@"
