#!/bin/sh
# Static analysis of src/ finds nothing: cppcheck and clang-tidy with the
# repository's .clang-tidy (scripts/lint.sh, also `make lint`). And every
# test script is executable: `make test` runs each through timeout, which
# cannot run one that is not (exit 126, no test run).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
for tool in cppcheck clang-tidy pkg-config; do
    command -v $tool >/dev/null 2>&1 || {
        echo "Bail out! $tool is missing (make deps installs it)"
        exit 255
    }
done
echo "1..2"
out=$(sh "$root/scripts/lint.sh" -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
    -DTMDB_INGEST_VERSION='"lint"' -I"$root/include" -I"$root/build" \
    $(pkg-config --cflags libcurl libcjson sqlite3 zlib) 2>&1)
if [ $? -eq 0 ]; then
    echo "ok 1 - cppcheck and clang-tidy find nothing in src/"
else
    echo "not ok 1 - cppcheck or clang-tidy found something in src/"
    printf '%s\n' "$out" | head -60 | sed 's/^/# /'
    printf 'static analysis:\n%s\n' "$out" | head -100 >&2
    exit 1
fi
not_executable=$(cd "$root" && for t in tests/*/t_*.sh; do [ -x "$t" ] || printf ' %s' "$t"; done)
if [ -z "$not_executable" ]; then
    echo "ok 2 - every test script is executable"
else
    echo "not ok 2 - test scripts that are not executable (chmod +x, git add):$not_executable"
    exit 1
fi
