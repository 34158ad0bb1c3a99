#!/bin/sh
# The cmocka unit tests built with ASan+UBSan and with TSan (make test
# builds them). The queue and the rate limiter are exercised by several
# threads at once here, which the end-to-end suite reaches only by chance.
# A sanitizer report makes a binary exit 99 and fails its line.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/sanitizers/in_order.sh"
read_san_jobs
# detect_stack_use_after_return: a stack buffer bound to an SQLite
# statement (SQLITE_STATIC) and stepped after its function returned wrote
# garbage into stale_copies.noted_at unseen by the default options.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=99:abort_on_error=0:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
# A path in an option is quoted: the sanitizers split their options at
# spaces too, and the checkout's path may hold one.
export TSAN_OPTIONS="halt_on_error=1:exitcode=99:second_deadlock_stack=1:suppressions=\"$root/tests/sanitizers/tsan.supp\""
unset CMOCKA_MESSAGE_OUTPUT
# The binaries are the positional parameters, each a whole path.
set --
for build in build-asan build-tsan; do
    n_before=$#
    for b in "$root/$build"/tests/test_*; do
        [ -e "$b" ] && set -- "$@" "$b"
    done
    [ $# -gt "$n_before" ] || { echo "Bail out! no unit tests in $build (make test builds them)"; exit 255; }
done
echo "1..$#"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One binary, SAN_JOBS at a time (each test directory of theirs is their
# own); a hung one fails (124), not the whole run.
run_one='
dir=$1 b=$2
timeout 300 "$b" >"$dir/out" 2>&1
echo $? >"$dir/rc.tmp" && mv "$dir/rc.tmp" "$dir/rc"
'

report_one() {
    n=$1 b=$2 dir=$3
    rc=$(cat "$dir/rc")
    san=$(basename "$(dirname "$(dirname "$b")")")
    if [ "$rc" -eq 0 ]; then
        echo "ok $n - $(basename "$b") under ${san#build-}"
        return 0
    fi
    echo "not ok $n - $(basename "$b") under ${san#build-} (exit $rc)"
    tail -60 "$dir/out" | sed 's/^/# /'
    { printf '%s under %s failed:\n' "$(basename "$b")" "${san#build-}"; tail -80 "$dir/out"; } >&2
    return 1
}

run_in_order "$san_jobs" "$run_one" "$@"
[ $failed -eq 0 ]
