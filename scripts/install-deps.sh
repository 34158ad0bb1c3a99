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

missing="" missing_required=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
        case " $REQUIRED " in *" $p "*) missing_required="$missing_required $p" ;; esac
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all dependencies present"
    exit 0
fi

# Nothing can be installed here (HOW says what would): an error when the
# build or the demo needs a missing package; when only the tests' are
# missing, they are named and left out, so that `make demo` still runs
# (and `make test` names them again).
cannot_install() {
    if [ -n "$missing_required" ]; then
        echo "install-deps: missing:$missing ($1)" >&2
        exit 1
    fi
    echo "install-deps: missing, for the tests, fuzzing, lint or benchmark only:$missing" \
        "($1); left out" >&2
    exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
    cannot_install "no apt-get here; install the equivalents with your package manager"
fi

# Not `apt-get install` of them all for the administrator: one name the
# archive lacks (libclang-rt-dev on Ubuntu 22.04) makes it install nothing,
# and a machine whose package lists were never fetched knows none. This
# script, run as root, fetches them and leaves such names out.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        case $0 in /*) script=$0 ;; *) script=$PWD/$0 ;; esac
        cannot_install "not root, and no sudo: ask an administrator to run, as root, sh $script"
    fi
fi

# apt-get failing is nothing installable too (sudo refusing a user who may
# not use it, no network, the dpkg lock held by unattended-upgrades): apt
# has said why, and the demo goes on when only the tests' packages are
# missing.
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || cannot_install "${SUDO:+sudo }apt-get failed, as said above"
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
$SUDO apt-get install -y -qq --no-install-recommends $install ||
    cannot_install "${SUDO:+sudo }apt-get failed, as said above"
