# Sourced by run_suite.sh and t_unit.sh: run items JOBS at a time, report
# them in their given order, each as soon as it and those before it ended.
#
# run_in_order JOBS RUN_ONE ITEM...
#   For the N-th ITEM, `sh -c "$RUN_ONE" sh DIR ITEM` runs with DIR a new
#   directory of its own ($work/N; the caller makes $work and removes it).
#   RUN_ONE writes the item's exit status to DIR/rc last, by rename, once
#   the item has ended. The caller's report_one N ITEM DIR then prints the
#   item's TAP line and returns 1 when it failed. Sets failed to the
#   number of items that failed.
run_in_order() {
    jobs=$1
    run_one=$2
    shift 2
    n=0
    for item; do
        n=$((n + 1))
        mkdir "$work/$n"
        printf '%s\0%s\0' "$work/$n" "$item"
    done | xargs -0 -n 2 -P "$jobs" sh -c "$run_one" sh &
    runner=$!
    n=0
    failed=0
    for item; do
        n=$((n + 1))
        dir=$work/$n
        while [ ! -f "$dir/rc" ]; do
            kill -0 "$runner" 2>/dev/null || [ -f "$dir/rc" ] || {
                echo "Bail out! the runner stopped before $(basename "$item") ended"
                exit 255
            }
            sleep 0.2
        done
        report_one "$n" "$item" "$dir" || failed=$((failed + 1))
    done
    wait "$runner"
}

# Sets san_jobs from SAN_JOBS (default 3): how many items run at once.
read_san_jobs() {
    san_jobs=${SAN_JOBS:-3}
    case $san_jobs in '' | *[!0-9]* | 0) echo "Bail out! SAN_JOBS must be a positive integer"; exit 255 ;; esac
}
