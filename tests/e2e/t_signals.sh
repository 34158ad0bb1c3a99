#!/bin/sh
# SIGTERM / SIGINT: stop fetching, commit what was already parsed, mark the
# run interrupted, exit 143 / 130 within a couple of seconds. SIGHUP (the
# terminal went away) is handled the same way (exit 129). A database that
# fails after the signal still says so, and the exit is 1, not 143: the
# parsed movies were not all committed. A signal ignored when the tool
# started (nohup, a script's background job) stays ignored.
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 150 --deleted 0 --latency-ms 100

interrupt() { # interrupt SIGNAL: start a long run, signal it once movies are stored
    rm -f "$DB" "$DB-wal" "$DB-shm"
    # a script's background job starts with SIGINT ignored, which the tool
    # keeps (as for nohup's SIGHUP, below): env gives it the default back
    env --default-signal=INT "$BIN" --db "$DB" --no-progress list now_playing --pages all \
        --workers 3 --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    wait_for_movies 1
    start=$(date +%s)
    kill -"$1" "$pid"
    wait "$pid"
    RC=$?
    ELAPSED=$(( $(date +%s) - start ))
    ERR=$(cat "$TMP/err")
}

interrupt TERM
is "$RC" 143 "SIGTERM: exit 143"
[ "$ELAPSED" -le 3 ]
ok $? "SIGTERM: stopped within 2 s (${ELAPSED}s)"
is "$(sql 'SELECT status FROM runs')" interrupted "SIGTERM: run marked interrupted"
stored=$(sql 'SELECT count(*) FROM movies')
is "$(sql 'SELECT fetched FROM runs')" "$stored" "SIGTERM: runs.fetched matches the committed rows ($stored)"
[ "$stored" -gt 0 ] && [ "$stored" -lt 150 ]
ok $? "SIGTERM: what was parsed is committed, the rest was not fetched"
is "$(sql 'PRAGMA integrity_check')" ok "SIGTERM: integrity_check ok"

interrupt INT
is "$RC" 130 "SIGINT: exit 130"
is "$(sql 'SELECT status FROM runs')" interrupted "SIGINT: run marked interrupted"
like "$ERR" "run 1 interrupted" "SIGINT: summary says interrupted"

# A second SIGINT leaves at once; the database stays consistent. Leaving
# at once means _exit() with the threads still running, which
# ThreadSanitizer would report as leaked threads: under it, that report
# (and only that one) is off for this run.
TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}report_thread_leaks=0" \
    env --default-signal=INT "$BIN" --db "$DB" --no-progress list now_playing --pages all \
    --workers 3 --rate 0 </dev/null >/dev/null 2>&1 &
pid=$!
sleep 0.8
kill -INT "$pid"
kill -INT "$pid"
wait "$pid"
is "$?" 130 "second SIGINT: exit 130 at once"
is "$(sql 'PRAGMA integrity_check')" ok "second SIGINT: integrity_check ok"

# A rerun completes the job.
run_ingest list now_playing --pages all --workers 5 --rate 0
is "$(sql 'SELECT count(*) FROM movies')" 150 "a rerun completes the job"

interrupt HUP
is "$RC" 129 "SIGHUP: exit 129"
like "$ERR" "run [0-9]+ interrupted" "with the summary"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" interrupted "the run is marked interrupted"

# A signal ignored when the tool started stays ignored: nohup's SIGHUP (a
# long run started by hand must outlive the terminal), a script's
# background job's SIGINT.
for sig in HUP INT; do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    env --ignore-signal=$sig "$BIN" --db "$DB" --no-progress list now_playing --pages all \
        --workers 3 --rate 0 </dev/null >/dev/null 2>"$TMP/err" &
    pid=$!
    wait_for_movies 1
    kill -$sig "$pid"
    wait "$pid"
    is "$?:$(sql 'SELECT (SELECT status FROM runs) || (SELECT count(*) FROM movies)')" 0:ok150 \
        "SIG$sig ignored at start stays ignored: the run ends ok with every movie"
done

# The database locked by another process while the load is stopping.
rm -f "$DB"*
mkfifo "$TMP/fifo"
"$BIN" --db "$DB" --no-progress --rate 0 --batch 1 ids - <"$TMP/fifo" >/dev/null 2>"$TMP/err" &
pid=$!
exec 3>"$TMP/fifo"
set -- $(catalogue_ids 10 --movies 150 --deleted 0)
echo "$1 $2 $3" >&3
wait_for_movies 3
hold_write_lock 8
echo "$4 $5 $6" >&3
sleep 1
kill -TERM "$pid"
wait "$pid"
RC=$?
exec 3>&-
wait "$LOCKER_PID"
is "$RC" 1 "a database locked at the end of a signalled run: exit 1, not 143"
like "$(cat "$TMP/err")" "database is locked \(another connection holds a write transaction.*\) \(what is not committed" \
    "and the error is said, with its likely cause"

done_testing
