#!/bin/sh
# The unit tests that replace a libc call with the linker's --wrap (the
# Makefile's TEST_LDFLAGS_*) pass when built with link-time optimisation,
# as a distribution's package build may build them (dpkg-buildflags'
# optimize=+lto, Ubuntu's default: -flto=auto -ffat-lto-objects). With
# every call in view, the optimiser does not know that the library's
# clock_gettime() is the test's __wrap_clock_gettime(), which reads the
# test's switch: a switch the optimiser sees no reader of is never set.
# test_clock needs src/clock.c alone, so it is built here in seconds.
. "$(dirname "$0")/lib.sh"
plan 1

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1 || ! pkg-config --exists cmocka 2>/dev/null; then
    skip 1 "no $CC or no cmocka"
    done_testing
    exit 0
fi
lto='-O2 -flto=auto -ffat-lto-objects'
# shellcheck disable=SC2086 # the flags are words
"$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $lto -I"$ROOT/include" \
    $(pkg-config --cflags cmocka) "$ROOT/tests/unit/test_clock.c" "$ROOT/src/clock.c" \
    -o "$TMP/test_clock" $lto -Wl,--wrap=clock_gettime $(pkg-config --libs cmocka) \
    >"$TMP/cc.out" 2>&1 || bail "test_clock does not build with $lto: $(cat "$TMP/cc.out")"
out=$("$TMP/test_clock" 2>&1)
is "$?|$(printf '%s\n' "$out" | grep -E 'FAILED|ERROR' | head -n 3 | tr '\n' ' ')" "0|" \
    "test_clock built with $lto: its wrapped clock is the one the library reads"

done_testing
