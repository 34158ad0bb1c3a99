#!/bin/sh
# The end-to-end tests whose expectations name days (the changes cursor, the
# newest export, copy ages, run times), run with the clock moved to where a
# day's logic turns: 2 s before midnight UTC, 2 s before 08:00 UTC (when the
# day's export takes over from the day before's) and 20 s after midnight.
# CI runs at whatever hour a change lands; a test that holds at noon only
# fails some night, and nothing lands. For `make timeofday`:
#
#   sh scripts/timeofday.sh BIN [HH:MM:SS...]
#
# The clock is moved with libfaketime (Debian: libfaketime), preloaded with
# an offset for the tests, the fake TMDB and the tool alike, so they share
# one "now" that goes on running. The tool keeps the real monotonic clock
# (its timed waits use sem_clockwait, which libfaketime does not wrap); the
# others do not (Python's time.sleep fails under a real one). Left out, as
# libfaketime cannot run them: the tests that start the tool with standard
# input or output closed (libfaketime takes that descriptor for its shared
# memory) or as another user (its semaphore is root's), and t_wrong_api_base
# (runs.command then names the wrapper). Exit status: prove's, 1 when any run
# fails.
set -u
bin=${1:?usage: timeofday.sh BIN [HH:MM:SS...]}
shift
[ $# -gt 0 ] || set -- 23:59:58 07:59:58 00:00:20
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
case $bin in /*) ;; *) bin=$root/$bin ;; esac
lib=
for l in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
    [ -e "$l" ] && lib=$l && break
done
if [ -z "$lib" ]; then
    echo "timeofday: libfaketime is missing (Debian/Ubuntu: apt-get install libfaketime)" >&2
    exit 1
fi

skip='t_(fatal_conditions|ids_stdin|signals|usage|secret_hygiene|lock_file|readonly_reader|stats_dead_run|wrong_api_base|readonly_filesystem|build|docs_agree|completion|bench_smoke)\.sh'
# TESTS='tests/e2e/t_x.sh ...' runs those instead
tests=${TESTS:-$(grep -l -e 'date -u' -e one_utc_day -e ' export' -e changes tests/e2e/t_*.sh |
    grep -v -E "$skip")}

work=$(mktemp -d "${TMPDIR:-/tmp}/timeofday.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/tmdb-ingest" <<EOF
#!/bin/sh
FAKETIME_DONT_FAKE_MONOTONIC=1 exec "$bin" "\$@"
EOF
chmod +x "$work/tmdb-ingest"

status=0
for at in "$@"; do
    # the next such moment from now; the offset is taken once, and the
    # faked clock runs on from there through every test of this round
    target=$(date -u -d "$(date -u +%F) $at" +%s) || exit 2
    now=$(date -u +%s)
    [ "$target" -gt "$now" ] || target=$((target + 86400))
    echo "== the e2e tests that name days, started at $(date -u -d "@$target" '+%F %T') UTC"
    # shellcheck disable=SC2086 # one word a test file
    TZ=UTC LD_PRELOAD=$lib FAKETIME="+$((target - now))s" TMDB_INGEST_BIN=$work/tmdb-ingest \
        prove --exec '' -j"${PROVE_JOBS:-2}" $tests || status=1
done
exit $status
