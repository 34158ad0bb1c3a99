#!/bin/sh
# lint.sh CFLAGS...: static analysis of src/, run by `make lint` and by
# tests/lint/t_lint.sh. cppcheck (warnings, performance, portability), then
# clang-tidy with the repository's .clang-tidy on every file, two at a
# time. Prints what either finds; exits 1 if anything was found.
set -u
cd "$(dirname "$0")/.."
status=0
cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
    --inline-suppr -Iinclude -D_POSIX_C_SOURCE=200809L src || status=1
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
# One clang-tidy per file, two at a time; a file's findings go to its own log.
for f in src/*.c; do
    echo "$f"
done | xargs -P2 -I{} sh -c 'f=$1; shift; clang-tidy -quiet "$f" -- "$@" >"$0/${f##*/}.log" 2>&1 ||
    echo "$f" >>"$0/failed"' "$out" {} "$@"
if [ -s "$out/failed" ]; then
    for f in $(cat "$out/failed"); do
        grep -v "warnings\? generated" "$out/${f##*/}.log"
    done
    status=1
fi
if [ $status -eq 0 ]; then
    echo "lint: cppcheck and clang-tidy found nothing in src/"
fi
exit $status
