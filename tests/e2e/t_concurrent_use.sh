#!/bin/sh
# Concurrent use: a second load on the same database refuses to start; a
# reader holding a long read transaction never blocks the load; and every
# snapshot a reader takes shows each movie with all of its genre links.
. "$(dirname "$0")/lib.sh"
plan 6

start_fake --movies 200 --deleted 0 --latency-ms 30
run_ingest ids 1 --rate 0   # create the database (id 1 may not exist: fine)
"$BIN" --db "$DB" --no-progress list now_playing --pages all --workers 2 --rate 0 \
    </dev/null >"$TMP/out1" 2>"$TMP/err1" &
pid=$!
sleep 0.5
run_ingest list popular --rate 0
is "$RC" 1 "a second load on the same database exits 1"
like "$ERR" "already running" "and says another load is running"

# A reader: repeated snapshots while the load runs, plus one long read
# transaction held open for 2 s.
"$PYTHON" - "$DB" "$pid" >"$TMP/reader" <<'PY'
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
torn = snapshots = 0
long_tx = sqlite3.connect(sys.argv[1], isolation_level=None)
long_tx.execute("BEGIN")
long_tx.execute("SELECT count(*) FROM movies").fetchone()
held_since = time.monotonic()
while True:
    try:
        os.kill(int(sys.argv[2]), 0)
    except OSError:
        break
    torn += db.execute("""SELECT count(*) FROM movies m WHERE json_array_length(m.raw_json, '$.genres')
                          != (SELECT count(*) FROM movie_genres g WHERE g.movie_id = m.id)""").fetchone()[0]
    snapshots += 1
    if held_since and time.monotonic() - held_since > 2:
        long_tx.execute("COMMIT")
        held_since = None
    time.sleep(0.02)
print(snapshots, torn)
PY
wait "$pid"
RC=$?
ERR=$(cat "$TMP/err1")
is "$RC" 0 "the load finished while the reader read"
is "$(sql 'SELECT count(*) FROM movies')" 200 "every movie stored"
set -- $(cat "$TMP/reader")
[ "${1:-0}" -gt 5 ]
ok $? "the reader took ${1:-0} snapshots during the load"
is "${2:-x}" 0 "no snapshot showed a movie without all its genre links"

done_testing
