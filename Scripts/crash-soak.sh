#!/usr/bin/env bash
# A longer run of the randomized in-process crash property tests, in a release build.
# Usage: Scripts/crash-soak.sh [CYCLES_PER_MODEL] [SEED]   (defaults: 20000, random)
set -euo pipefail
cd "$(dirname "$0")/.."
export LSMKV_CRASH_CYCLES="${1:-20000}"
if [ -n "${2:-}" ]; then export LSMKV_SEED="$2"; fi
exec swift test -c release -Xswiftc -enable-testing --filter CrashPropertyTests
