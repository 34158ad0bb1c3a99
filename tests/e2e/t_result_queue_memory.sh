#!/bin/sh
# The result queue holds parsed movies (each with its raw_json, up to
# --max-body) while the writer commits or sleeps: it bounds the memory a
# load needs beyond the page cache. It is bounded in bytes (8 MiB queued,
# pipeline.c), not only in slots: when the writer waited for half of 64
# slots, a writer slower than the workers (large movies) let 64 pile up.
# 150 movies of 1 MiB each, 1 worker, peak RSS: 48 MiB with 4 slots
# (d7ac6ed), 132-172 MiB with 64 slots (830e2eb), 23 MiB with the bound.
# Results pile up only while the writer is the slow side: one that keeps
# up (it did here, unhindered) never lets the bound matter, and a load
# without it peaked at 24 MiB too. So another connection holds the write
# lock part-way through the load, for 2 s while the worker goes on
# fetching: 29 MiB and at most a few movies fetched meanwhile with the
# bound, 154 MiB and 50-65 fetched without it.
. "$(dirname "$0")/lib.sh"
plan 4

if grep -qa -e __asan_init -e __tsan_init "$BIN"; then
    for i in 1 2 3 4; do
        echo "ok $i # SKIP peak RSS: a sanitizer build's shadow memory is not the tool's"
    done
    exit 0
fi

N=150
"$PYTHON" - "$TMP" "$N" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    body = {"id": i, "title": "m%d" % i, "overview": "x" * (1 << 20), "video": False,
            "adult": False}
    open(f"{tmp}/{i}.json", "w").write(json.dumps(body))
PY
set --
i=1
while [ $i -le $N ]; do
    set -- "$@" --body-file "$i:$TMP/$i.json"
    i=$((i + 1))
done
# 20 ms a movie: the load is still fetching once the lock is held
start_fake --movies 5 --deleted 0 --latency-ms 20 "$@"

# The load, in the background: its exit status and peak RSS (KiB, os.wait4:
# not the fake's, not Python's) into $TMP/rss.
"$PYTHON" - "$BIN" "$DB" "$TMP/err" "$N" >"$TMP/rss" <<'PY' &
import os, subprocess, sys
binary, db, err, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
args = [binary, "--db", db, "--no-progress", "ids"] + [str(i) for i in range(1, n + 1)] + \
       ["--rate", "0", "--workers", "1", "--batch", "10"]
with open(err, "w") as e:
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e)
    _, status, ru = os.wait4(p.pid, 0)
print(os.waitstatus_to_exitcode(status), ru.ru_maxrss)
PY
LOAD_PID=$!

# fetched_at_least N: the fake has been asked for N movies' details
# (sets FETCHED).
fetched_at_least() {
    fake_snapshot
    FETCHED=$(fake_stat by_endpoint.details)
    [ "$FETCHED" -ge "$1" ]
}

# Once the pipeline runs (the load's start-up writes are over), another
# connection holds the write lock for 2 s, or until the worker has asked
# for SLOTS movies (the result queue's slots, RESULT_QUEUE_MIN: what piles
# up without the bound; 50-odd come in 2 s at 20 ms a movie). The writer
# commits every 10 movies, so the lock is not long in coming; 4 s at the
# most, as the writer gives up after waiting 5 s for it.
SLOTS=64
wait_for "the first movie to be fetched" "$LOAD_PID" fetched_at_least 1
hold_write_lock 4 "$DB" "$TMP/release"
fetched_at_least 0
FETCHED_HELD=$FETCHED
held_since=$(date +%s%N)
while [ $(($(date +%s%N) - held_since)) -lt 2000000000 ] &&
    ! fetched_at_least $((FETCHED_HELD + SLOTS)); do
    sleep 0.05
done
piled=$((FETCHED - FETCHED_HELD)) # asked for while the lock was held
touch "$TMP/release"
wait "$LOCKER_PID"
diag "asked for while the writer waited: $piled (of $((N - FETCHED_HELD)) left)"
wait "$LOAD_PID"
set -- $(cat "$TMP/rss")
ERR=$(cat "$TMP/err")

is "$1" 0 "a load of $N movies of 1 MiB, 1 worker, the writer held up: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" "$N" "every movie stored"
# 8 MiB holds 8 of these movies at most; one more waits to be queued, one
# is being fetched, and the writer holds the one it waits to write
[ "$piled" -le 16 ]
ok $? "the worker waits while the writer is held up: $piled fetched, not $SLOTS"
[ "$2" -le 65536 ]
ok $? "peak RSS at most 64 MiB ($(($2 / 1024)) MiB): the result queue holds a few movies, not 64"

done_testing
