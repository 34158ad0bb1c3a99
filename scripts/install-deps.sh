#!/bin/sh
# install-deps.sh - install what tmdb-ingest needs to build and test, on
# Debian/Ubuntu, with apt-get. Installs only what is missing; does nothing
# (and needs no network) when everything is already there.
#
#   build:  gcc make pkg-config libcurl4-openssl-dev libcjson-dev
#           libsqlite3-dev zlib1g-dev
#   tests:  libcmocka-dev sqlite3 python3 perl (prove) openssl valgrind curl
#   fuzz:   clang libclang-rt-dev (libFuzzer)
#   lint:   cppcheck clang-tidy
#   bench:  python3-aiohttp (the original asyncio approach, for comparison)
set -eu

PACKAGES="gcc make pkg-config libcurl4-openssl-dev libcjson-dev libsqlite3-dev zlib1g-dev \
libcmocka-dev sqlite3 python3 perl openssl valgrind ca-certificates curl python3-aiohttp \
clang libclang-rt-dev cppcheck clang-tidy"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all dependencies present"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing:$missing" >&2
    echo "install-deps: no apt-get here; install the equivalents with your package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: missing:$missing (run as root or install sudo)" >&2
        exit 1
    fi
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
