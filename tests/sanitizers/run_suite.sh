#!/bin/sh
# run_suite.sh NAME BINARY: run every end-to-end test against BINARY (a
# sanitizer build) and report one TAP line per test. A sanitizer report
# makes the binary exit 99 (see the *_OPTIONS below), which fails the test
# that ran it; the report is echoed as diagnostics.
set -u
name=$1
bin=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$bin" ] || { echo "Bail out! $bin is not built (make ${name})"; exit 255; }
export TMDB_INGEST_BIN="$bin"
# Reports also go to files (log_path: REPORTS/report.PID), because a test
# shows the stderr of its last run only: a report from an earlier run of
# the binary would fail the test without saying why. A report file fails
# the test too, whatever the test asserted of that run's exit status.
# detect_stack_use_after_return: a pointer into a returned frame (a
# statement bound SQLITE_STATIC to a caller's buffer, 2afcdbf) is reported,
# not read silently from a stack reused since.
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=99:abort_on_error=0:detect_stack_use_after_return=1:log_path=$reports/report
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$reports/report
export TSAN_OPTIONS=halt_on_error=1:exitcode=99:second_deadlock_stack=1:suppressions=$root/tests/sanitizers/tsan.supp:log_path=$reports/report
# Races and leaks show in a few crash/resume cycles; the 20-kill loop runs
# in the normal suite.
export E2E_KILLS=5
tests=$(ls "$root"/tests/e2e/t_*.sh)
echo "1..$(echo "$tests" | wc -l)"
n=0
failed=0
for t in $tests; do
    n=$((n + 1))
    rm -f "$reports"/report*
    out=$(sh "$t" 2>&1)
    rc=$?
    if ls "$reports"/report* >/dev/null 2>&1; then
        out=$(printf '%s\n%s\n' "$out" "$(head -n 60 "$reports"/report*)")
        rc=1
    fi
    if [ $rc -eq 0 ]; then
        echo "ok $n - $(basename "$t") under $name"
    else
        failed=$((failed + 1))
        echo "not ok $n - $(basename "$t") under $name"
        printf '%s\n' "$out" | grep -v '^ok ' | head -80 | sed 's/^/# /'
        # prove hides TAP comments; stderr reaches the CI log.
        printf '%s under %s failed:\n%s\n' "$(basename "$t")" "$name" "$out" | head -120 >&2
    fi
done
[ $failed -eq 0 ]
