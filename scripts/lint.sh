#!/bin/sh
# lint.sh CFLAGS...: static analysis of src/, run by `make lint` and by
# tests/lint/t_lint.sh. cppcheck (warnings, performance, portability), then
# clang-tidy with the repository's .clang-tidy on every file, two at a
# time. Prints what either finds; exits 1 if anything was found or a file
# could not be analysed.
set -u
cd "$(dirname "$0")/.."
status=0
cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
    --inline-suppr -Iinclude -D_POSIX_C_SOURCE=200809L src || status=1
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
# One clang-tidy per file, two at a time; each file's output goes to its
# own log, kept (as N.failed) when clang-tidy did not succeed on it. Names
# travel NUL-separated: a quote or a space in one cannot skip a file.
n_files=$(ls src/*.c | wc -l)
i=0
for f in src/*.c; do
    i=$((i + 1))
    printf '%s\t%s\0' "$i" "$f"
done | xargs -0 -I{} -P2 sh -c '
    n=${1%%	*}; f=${1#*	}; shift
    clang-tidy -quiet "$f" -- "$@" >"$0/$n.log" 2>&1 || mv "$0/$n.log" "$0/$n.failed"
    [ -e "$0/$n.log" ] || [ -e "$0/$n.failed" ]' "$out" {} "$@" || status=1
for log in "$out"/*.failed; do
    [ -e "$log" ] || continue
    grep -v "warnings\? generated" "$log"
    status=1
done
if [ "$(ls "$out" | wc -l)" -ne "$n_files" ]; then
    echo "lint: clang-tidy did not run on every file of src/" >&2
    status=1
fi
if [ $status -eq 0 ]; then
    echo "lint: cppcheck and clang-tidy found nothing in src/"
fi
exit $status
