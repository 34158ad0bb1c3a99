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

# Needed to build and run the demo: a missing one is an error.
REQUIRED="gcc make pkg-config libcurl4-openssl-dev libcjson-dev libsqlite3-dev zlib1g-dev \
ca-certificates sqlite3 python3"
# Needed by `make test`, the fuzz targets, lint and the benchmark: installed
# when this distribution's archive has them (libclang-rt-dev, say, is not in
# Ubuntu 22.04's, whose clang brings its sanitizer runtimes itself).
OPTIONAL="libcmocka-dev perl openssl valgrind curl python3-aiohttp clang libclang-rt-dev \
cppcheck clang-tidy bsdutils"
PACKAGES="$REQUIRED $OPTIONAL"

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

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# One name apt does not know makes apt-get install nothing at all: leave out
# the optional packages this archive lacks, and say so.
install=""
for p in $missing; do
    case " $OPTIONAL " in
    *" $p "*)
        if ! apt-cache show "$p" >/dev/null 2>&1; then
            echo "install-deps: $p is not in this distribution's archive: left out" >&2
            continue
        fi ;;
    esac
    install="$install $p"
done
echo "install-deps: installing:$install"
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $install
