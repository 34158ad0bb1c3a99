#!/bin/sh
# embed.sh SYMBOL INPUT OUTPUT - write a C file defining
# `const char SYMBOL[]`, the bytes of INPUT followed by a NUL.
# Used by the Makefile so the binary carries sql/schema.sql and works from
# any directory. POSIX sh + od only (no xxd dependency).
set -eu
sym=$1 in=$2 out=$3
tmp="$out.tmp"
{
    printf '/* Generated from %s by scripts/embed.sh; do not edit. */\n' "$in"
    printf 'const char %s[] = {\n' "$sym"
    # (char) casts: bytes above 0x7f (UTF-8 in comments) do not fit a
    # signed char without one, and plain char is signed on x86
    od -An -v -tx1 "$in" | sed -e 's/  */ /g' -e 's/^ //' -e '/^$/d' \
        -e 's/\([0-9a-f][0-9a-f]\)/(char)0x\1,/g'
    printf '0};\n'
} > "$tmp"
mv "$tmp" "$out"
