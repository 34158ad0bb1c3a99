#!/bin/sh
# run_suite.sh NAME BINARY: run every end-to-end test against BINARY (a
# sanitizer build) and report one TAP line per test, the longest first. A
# sanitizer report makes the binary exit 99 (see the *_OPTIONS below),
# which fails the test that ran it; the report is echoed as diagnostics.
#
# SAN_JOBS tests run at once (default 3): they wait on the fake server's
# simulated latency far more than they use CPU, and each starts its own
# fake on a port of its own, as they do under `prove -j`.
set -u
name=$1
bin=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/sanitizers/in_order.sh"
[ -x "$bin" ] || { echo "Bail out! $bin is not built (make ${name})"; exit 255; }
read_san_jobs
export TMDB_INGEST_BIN="$bin"
# Each test's reports go to files of its own (DIR/report.PID), because a
# test shows the stderr of its last run only: a report from an earlier run
# of the binary would fail the test without saying why. A report file fails
# the test too, whatever the test asserted of that run's exit status.
# detect_stack_use_after_return: a pointer into a returned frame (a
# statement bound SQLITE_STATIC to a caller's buffer, 2afcdbf) is reported,
# not read silently from a stack reused since.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SAN_ROOT="$root"
# Races and leaks show in a few crash/resume cycles; the 20-kill loop runs
# in the normal suite.
export E2E_KILLS=5
# A sanitized binary runs several times slower: a test's bound on the time
# of CPU-bound work (t_export_bomb's inflating) is this many times its own.
export E2E_SLOW=3
# The longest tests start first (tests/e2e/longest says why).
# The tests are the positional parameters, each a whole path: the
# checkout's may hold a space.
first=$(grep -v '^#' "$root/tests/e2e/longest")
set --
for t in $first; do
    [ -f "$root/tests/e2e/$t" ] || { echo "Bail out! tests/e2e/longest names $t, which is gone"; exit 255; }
    set -- "$@" "$root/tests/e2e/$t"
done
for t in "$root"/tests/e2e/t_*.sh; do
    case " $first " in *" $(basename "$t") "*) ;; *) set -- "$@" "$t" ;; esac
done
echo "1..$#"

# One test: DIR is its own directory; its output goes to DIR/out and its
# exit status, once it has ended, to DIR/rc (written last, by rename).
run_one='
dir=$1 t=$2
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=99:abort_on_error=0:detect_stack_use_after_return=1:log_path=\"$dir/report\""
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=\"$dir/report\""
export TSAN_OPTIONS="halt_on_error=1:exitcode=99:second_deadlock_stack=1:suppressions=\"$SAN_ROOT/tests/sanitizers/tsan.supp\":log_path=\"$dir/report\""
sh "$t" >"$dir/out" 2>&1
echo $? >"$dir/rc.tmp" && mv "$dir/rc.tmp" "$dir/rc"
'

report_one() {
    n=$1 t=$2 dir=$3
    rc=$(cat "$dir/rc")
    out=$(cat "$dir/out")
    if ls "$dir"/report* >/dev/null 2>&1; then
        out=$(printf '%s\n%s\n' "$out" "$(head -n 60 "$dir"/report*)")
        rc=1
    fi
    if [ "$rc" -eq 0 ]; then
        echo "ok $n - $(basename "$t") under $name"
        return 0
    fi
    echo "not ok $n - $(basename "$t") under $name"
    printf '%s\n' "$out" | grep -v '^ok ' | head -80 | sed 's/^/# /'
    # prove hides TAP comments; stderr reaches the CI log.
    printf '%s under %s failed:\n%s\n' "$(basename "$t")" "$name" "$out" | head -120 >&2
    return 1
}

run_in_order "$san_jobs" "$run_one" "$@"
[ $failed -eq 0 ]
