#!/bin/sh
# Line and branch coverage of src/ by the unit tests and the end-to-end
# suite (gcc --coverage, gcov), for `make coverage`.
#
#   sh scripts/coverage.sh BUILD_DIR
#
# BUILD_DIR holds a --coverage build (the binary, the unit test binaries and
# their objects). The .gcda counts of an earlier run are cleared first. Every
# test is run once (unit tests, then the end-to-end suite three at a time),
# then gcov writes one annotated BUILD_DIR/coverage/FILE.c.gcov per source
# file ("#####" marks a line never run) and this prints a table: lines run,
# branches taken, and the functions never called. Exit status: the tests'
# (a coverage figure is a measurement, not an assertion).
set -u
build=${1:?usage: coverage.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
out=$build/coverage
find "$build" -name '*.gcda' -delete
rm -rf "$out"
mkdir -p "$out"

# Some tests run the binary as another user (t_lock_file.sh): a first run
# makes the binary's count files, which that user may then add to. (A run
# under a read-only mount, in t_readonly_filesystem.sh, is not counted.)
"$build/tmdb-ingest" --version >/dev/null
find "$build" -name '*.gcda' -exec chmod a+rw {} +

status=0
# prove's own summary is kept: a failing test is named there, and the
# figures below then undercount what that test would have run.
unit=$(find "$build/tests" -name 'test_*' -type f -perm -u+x ! -name '*.*' | sort)
# shellcheck disable=SC2086 # one word a test binary
CMOCKA_MESSAGE_OUTPUT=TAP prove --exec 'sh tests/prove_exec.sh' -j"${PROVE_JOBS:-3}" $unit || status=1
TMDB_INGEST_BIN=$root/$build/tmdb-ingest prove --exec '' -j"${PROVE_JOBS:-3}" tests/e2e/t_*.sh ||
    status=1

# gcov writes FILE.gcov into the current directory, naming sources as the
# compiler saw them (src/x.c, from the top directory).
# main.c is compiled into the binary directly: its counts are named after it.
for src in src/*.c; do
    objects=$build/obj
    [ "$src" = src/main.c ] && objects=$build/tmdb-ingest-main.gcno
    gcov -b -c -f -o "$objects" "$src" >"$out/$(basename "$src").summary" 2>&1
done
mv ./*.gcov "$out"/

# One row a file, from gcov's own summary of it ("File '...'" then its
# "Lines executed:" and "Taken at least once:"), and the total.
awk '
    function pct(a, b) { return b ? sprintf("%.1f", 100 * a / b) : "-" }
    # "Lines executed:82.04% of 607" -> count[1] = 82.04, count[2] = 607
    function figures(line, count) { sub(/^[^:]*:/, "", line); return split(line, count, "% of ") }
    /^Function / { fn = $2; gsub(/\047/, "", fn) }
    /^File / { fn = ""; file = ""; if ($2 ~ /src\/[^\/]*\.c\047$/) { file = $2; gsub(/\047/, "", file); sub(/.*\//, "", file) } }
    /^Lines executed:/ && fn != "" {
        figures($0, a)
        # (curl/typecheck-gcc.h: static functions of its own, never meant to run)
        if (a[1] == 0 && fn !~ /^_curl_/) never[FILENAME] = never[FILENAME] " " fn
        fn = ""
    }
    /^Lines executed:/ && file != "" {
        figures($0, a); lines[file] = a[2]; lrun[file] = int(a[1] * a[2] / 100 + 0.5)
        tl += lines[file]; tr += lrun[file]
    }
    /^Taken at least once:/ && file != "" {
        figures($0, a); br[file] = a[2]; brt[file] = int(a[1] * a[2] / 100 + 0.5)
        tb += br[file]; tt += brt[file]
        source[file] = FILENAME; file = ""
    }
    END {
        printf "%-16s %6s %6s %8s %7s  %s\n", "file", "lines", "run %", "branches", "taken %", "functions never called"
        n = 0
        for (f in lines) names[++n] = f
        for (i = 2; i <= n; i++) for (j = i; j > 1 && names[j] < names[j-1]; j--) {
            t = names[j]; names[j] = names[j-1]; names[j-1] = t }
        for (i = 1; i <= n; i++) {
            f = names[i]
            printf "%-16s %6d %6s %8d %7s %s\n", f, lines[f], pct(lrun[f], lines[f]), br[f], pct(brt[f], br[f]), never[source[f]]
        }
        printf "%-16s %6d %6s %8d %7s\n", "all of src/", tl, pct(tr, tl), tb, pct(tt, tb)
    }' "$out"/*.summary
echo "annotated sources: $out/*.c.gcov (##### marks a line never run)"
exit $status
