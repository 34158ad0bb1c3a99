#!/bin/sh
# SIGTERM / SIGINT: stop fetching, commit what was already parsed, mark the
# run interrupted, exit 143 / 130 within a couple of seconds.
. "$(dirname "$0")/lib.sh"
plan 12

start_fake --movies 150 --deleted 0 --latency-ms 100

interrupt() { # interrupt SIGNAL: start a long run, signal it once movies are stored
    rm -f "$DB" "$DB-wal" "$DB-shm"
    "$BIN" --db "$DB" --no-progress list now_playing --pages all --workers 3 --rate 0 \
        </dev/null >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    i=0
    until [ "$(sqlite3 "$DB" 'SELECT count(*) FROM movies' 2>/dev/null || echo 0)" -gt 0 ] ||
        [ $i -ge 150 ]; do
        sleep 0.1
        i=$((i + 1))
    done
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

# A second SIGINT leaves at once; the database stays consistent.
"$BIN" --db "$DB" --no-progress list now_playing --pages all --workers 3 --rate 0 \
    </dev/null >/dev/null 2>&1 &
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

done_testing
