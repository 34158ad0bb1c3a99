#!/bin/sh
# The unit tests that replace a libc call with the linker's --wrap (the
# Makefile's TEST_LDFLAGS_*) pass when built with link-time optimisation,
# as a distribution's package build may build them (dpkg-buildflags'
# optimize=+lto, Ubuntu's default: -flto=auto -ffat-lto-objects). With
# every call in view, the optimiser does not know that the library's
# clock_gettime() is the test's __wrap_clock_gettime(), which reads the
# test's switch: a switch the optimiser sees no reader of is never set.
# So with malloc(), which test_json fails on purpose. test_clock needs
# src/clock.c alone, test_json src/json.c and src/arena.c: they are built
# here in seconds.
. "$(dirname "$0")/lib.sh"
plan 2

CC=${CC:-cc}
if ! command -v "$CC" >/dev/null 2>&1 || ! pkg-config --exists cmocka libcjson 2>/dev/null; then
    skip 2 "no $CC, cmocka or cJSON"
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
# shellcheck disable=SC2086 # the flags are words
"$CC" -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $lto -I"$ROOT/include" \
    $(pkg-config --cflags cmocka libcjson) "$ROOT/tests/unit/test_json.c" "$ROOT/src/json.c" \
    "$ROOT/src/arena.c" -o "$TMP/test_json" $lto -Wl,--wrap=malloc \
    $(pkg-config --libs cmocka libcjson) >"$TMP/cc.out" 2>&1 ||
    bail "test_json does not build with $lto: $(cat "$TMP/cc.out")"
out=$("$TMP/test_json" 2>&1)
is "$?|$(printf '%s\n' "$out" | grep -E 'FAILED|ERROR' | head -n 3 | tr '\n' ' ')" "0|" \
    "test_json built with $lto: its failing malloc is the one json.c calls"

done_testing
