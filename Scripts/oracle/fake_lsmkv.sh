#!/usr/bin/env bash
# A stand-in for the `lsmkv` tool, backed by real LevelDB through leveldb_oracle.
# For testing the oracle harness itself only, never the engine:
#   ORACLE_LSMKV_BIN=Scripts/oracle/fake_lsmkv.sh Scripts/check-oracles.sh
# should pass every check. Implements the subset of the lsmkv contract the
# harness uses: --db DIR load --hex | scan --hex | flush, and honours
# LSMKV_WRITE_BUFFER_SIZE. `flush` is a reopen: LevelDB turns the live log into
# a level-0 table when it opens a database.
set -euo pipefail

ORACLE=$(cd "$(dirname "$0")" && pwd)/bin/leveldb_oracle

main() {
    [[ ${1:-} == --db && $# -ge 3 ]] || { echo "usage: fake_lsmkv.sh --db DIR load --hex|scan --hex|flush" >&2; exit 2; }
    local db=$2 cmd=$3
    export LEVELDB_ORACLE_WRITE_BUFFER_SIZE=${LSMKV_WRITE_BUFFER_SIZE:-4194304}
    case $cmd in
        load) LEVELDB_ORACLE_APPEND=1 "$ORACLE" write "$db" ;;
        flush) LEVELDB_ORACLE_APPEND=1 "$ORACLE" write "$db" </dev/null ;; # reopen: log -> table
        scan) "$ORACLE" dump "$db" ;;
        *) echo "fake_lsmkv.sh: unsupported command $cmd" >&2; exit 2 ;;
    esac
}

main "$@"
