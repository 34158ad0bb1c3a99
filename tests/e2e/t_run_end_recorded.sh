#!/bin/sh
# The end of a run is recorded although the database cannot take it at that
# moment: locked by another writer past SQLite's 5 s busy timeout, or full.
# It is tried again for 30 s: a lock let go or space freed within them
# records the run's real outcome (exit 0, the run ok); past them the error
# names the run, the outcome it could not record and why, and the exit
# status is 5 (runs still says 'running', which stats tells from a live run;
# the next load marks it aborted).
# Four loads run side by side, each into its own database: each stores
# its first movies from `ids -`, then its database is locked (a sqlite3
# session inside BEGIN IMMEDIATE) or its process may not grow a file
# (prlimit --fsize at the size of DB-wal: the run's end must append to
# it), and its input ends.
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 60 --deleted 0
set -- $(catalogue_ids 4 --movies 60 --deleted 0)
first=$1
shift
# each input ends when $TMP/end exists (a feeder per FIFO: the shell keeps
# no end of it open, nor does any process it starts afterwards)
for name in locked_a_while locked_past full_a_while full_past; do
    db=$TMP/$name.sqlite3
    "$BIN" --db "$db" --no-progress --rate 0 ids "$first" </dev/null >/dev/null 2>&1 ||
        bail "could not make $db"
    mkfifo "$TMP/$name.ids"
    { echo "$*"; until [ -e "$TMP/end" ]; do sleep 0.05; done; } >"$TMP/$name.ids" &
    # SIGXFSZ ignored, as for a disk full: a write past the limit fails
    sh -c 'trap "" XFSZ; exec "$@"' sh "$BIN" --db "$db" --no-progress --rate 0 --batch 1 \
        ids - <"$TMP/$name.ids" >/dev/null 2>"$TMP/$name.err" &
    eval "pid_$name=\$!"
    eval "wait_for \"the first movies stored in \$db\" \$pid_$name movies_at_least 4 \"\$db\""
done

hold_write_lock 60 "$TMP/locked_a_while.sqlite3" "$TMP/release"
locker_a_while=$LOCKER_PID
hold_write_lock 60 "$TMP/locked_past.sqlite3" "$TMP/release_past"
locker_past=$LOCKER_PID
for name in full_a_while full_past; do
    eval "prlimit --pid \$pid_$name --fsize=$(stat -c %s "$TMP/$name.sqlite3-wal"):"
done
start=$(date +%s)
touch "$TMP/end" # the input ends: each run ends, and records its end

retrying() { grep -q "is tried again for up to 30 s" "$TMP/$1.err"; }
wait_for "the locked run's end tried again" "$pid_locked_a_while" retrying locked_a_while

touch "$TMP/release"
wait_for "the full run's end tried again" "$pid_full_a_while" retrying full_a_while
prlimit --pid "$pid_full_a_while" --fsize=unlimited:
for name in locked_a_while full_a_while; do
    eval "wait \$pid_$name"
    is "$?:$(sqlite3 "$TMP/$name.sqlite3" "SELECT status, finished_at IS NOT NULL, fetched FROM runs
        WHERE id = 2")" "0:ok|1|3" "$name: the run is recorded ok once the database takes it, exit 0"
    like "$(cat "$TMP/$name.err")" "run 2: its end \(ok\) recorded after [0-9]+ s" \
        "$name: and says it was recorded late"
done
# the summary's elapsed is the whole run's: the 5 s busy timeout before
# the first retry of its end, and the wait for the lock after it
like "$(cat "$TMP/locked_a_while.err")" "run 2 ok: .* elapsed=([5-9]|[1-9][0-9])\.[0-9]s" \
    "the summary's elapsed counts the time its end waited"
like "$(cat "$TMP/locked_a_while.err")" "warning: run 2: .*locked_a_while\.sqlite3: finish the run: database is locked \(another connection holds a write transaction.*\); recording its end \(ok\) is tried again for up to 30 s" \
    "the warning names the run, the outcome and the lock"
like "$(cat "$TMP/full_a_while.err")" "warning: run 2: .*full_a_while\.sqlite3: finish the run: .*(disk|full).*; recording its end \(ok\) is tried again for up to 30 s" \
    "and for a full disk, the write that failed"
wait "$locker_a_while"

for name in locked_past full_past; do
    eval "wait \$pid_$name"
    rc=$?
    elapsed=$(($(date +%s) - start))
    is "$rc:$(sqlite3 "$TMP/$name.sqlite3" "SELECT status, finished_at IS NULL FROM runs
        WHERE id = 2")" "5:running|1" "$name: not recorded: exit 5, the row as it was"
    # bounded, not timed: 30 s of tries, a busy timeout and a pause (36 s),
    # with room for a loaded machine
    [ "$elapsed" -ge 30 ] && [ "$elapsed" -le 90 ]
    ok $? "$name: after trying for 30 s, not for ever (${elapsed} s after the input ended)"
    like "$(cat "$TMP/$name.err")" "error: run 2 ended ok, but that could not be recorded: .*$name\.sqlite3: finish the run: .* \(tried for [3-8][0-9] s\); its row in runs says 'running' until the next load marks it 'aborted'" \
        "$name: the error names the run, its outcome and why"
    like "$(cat "$TMP/$name.err")" "run 2 ok: requested=3 stored=3" "$name: the summary gives the outcome"
done
like "$(cat "$TMP/locked_past.err")" "database is locked \(another connection" \
    "locked past the bound: the error says the database is locked"
touch "$TMP/release_past"
wait "$locker_past"

# its process gone, stats tells the row that still says running from a live run
DB=$TMP/full_past.sqlite3
run_ingest stats --format json
like "$RC:$OUT" '^0:.*"id":2,[^}]*"status":"running","alive":false' \
    "stats: the unrecorded run is not alive (its status kept)"

DB=$TMP/locked_past.sqlite3
run_ingest ids "$first" --rate 0
is "$RC:$(sql 'SELECT group_concat(status) FROM runs')" "0:ok,aborted,ok" \
    "the next load marks the unrecorded run aborted"
like "$ERR" "1 earlier run\(s\) had died without finishing .*; marked aborted" "and says so"

done_testing
