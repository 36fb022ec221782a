#!/usr/bin/env bash
# Installs the Debian packages the tests need, and only those that are missing:
#   libleveldb-dev  LevelDB 1.23 headers + library (the C oracle links against it)
#   rocksdb-tools   sst_dump / ldb (independent table reader)
#   gcc, python3    to build the C oracle and run the data set generator
#   lld             the linker Scripts/fuzz.sh links the libFuzzer binary with
#                   (the Swift toolchain ships ld.lld and the libFuzzer runtime;
#                   this only matters for a toolchain without them)
# Runs `apt-get update` at most once, and only when something must be installed.
# Uses sudo only when not already root.
set -euo pipefail

missing=()

need_dpkg() { # need_dpkg PACKAGE: installed according to dpkg?
    dpkg -s "$1" >/dev/null 2>&1 || missing+=("$1")
}

need_cmd() { # need_cmd COMMAND PACKAGE: any COMMAND on PATH will do
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}

main() {
    need_dpkg libleveldb-dev
    need_dpkg rocksdb-tools
    need_cmd gcc gcc
    need_cmd python3 python3
    need_cmd ld.lld lld

    if ((${#missing[@]} == 0)); then
        echo "install-deps: all packages present"
        return 0
    fi

    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    echo "install-deps: installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "install-deps: done"
}

main "$@"
