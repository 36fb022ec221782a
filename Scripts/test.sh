#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): installs missing Debian
# packages, runs `swift test`, then the LevelDB / RocksDB oracle checks.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

run_swift_tests() {
    echo "=== swift test"
    # Output is printed as it comes; pipefail-free plain call so a failing
    # `swift test` fails this script through set -e.
    swift test
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
}

main "$@"
