#!/bin/sh
# fuzz.sh - build every libFuzzer target in tests/fuzz/ with ASan+UBSan and
# run each for FUZZ_SECONDS (default 10) on a copy of its seed corpus.
# Prints one TAP line per target with executions and findings; exits
# non-zero on any crash, leak or sanitizer report. Needs clang and
# libclang-rt-14-dev (scripts/install-deps.sh installs them).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-10}
out=${FUZZ_BUILD:-$root/build-fuzz}
mkdir -p "$out"
# (The include directory is given apart, quoted: the checkout's path may
# hold a space.)
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(pkg-config --cflags libcjson zlib)"
libs="$(pkg-config --libs libcjson zlib) -lm"
targets="movie list_page error export_line"
echo "1..$(echo $targets | wc -w)"
n=0
failed=0
for t in $targets; do
    n=$((n + 1))
    bin=$out/fuzz_$t
    # shellcheck disable=SC2086
    if ! clang $flags -I"$root/include" "$root/tests/fuzz/fuzz_$t.c" "$root/src/movie.c" "$root/src/movie_parts.c" \
        "$root/src/tmdb.c" "$root/src/json.c" "$root/src/arena.c" "$root/src/export.c" \
        "$root/src/clock.c" "$root/src/stop.c" \
        -o "$bin" $libs 2>"$out/$t.build.log"; then
        echo "not ok $n - fuzz_$t builds"
        sed 's/^/# /' "$out/$t.build.log" | head -20
        failed=$((failed + 1))
        continue
    fi
    work=$(mktemp -d)
    cp "$root/tests/fuzz/corpus/$t/"* "$work/"
    "$bin" -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
        -artifact_prefix="$out/$t-" "$work" >"$out/$t.log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t.log" | grep -o '[0-9]*$')
    [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$out/$t.log" | tail -1 | tr -d '#')
    rm -rf "$work"
    if [ $rc -eq 0 ]; then
        echo "ok $n - fuzz_$t: ${execs:-?} executions in ${seconds}s, no findings"
    else
        echo "not ok $n - fuzz_$t: finding after ${execs:-?} executions (artifact in $out)"
        grep -E "ERROR|SUMMARY|runtime error" "$out/$t.log" | head -10 | sed 's/^/# /'
        failed=$((failed + 1))
    fi
done
[ $failed -eq 0 ]
