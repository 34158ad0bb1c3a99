#!/bin/sh
# optimize compacts the search index: the old text of rewritten movies
# goes, the index shrinks, every search finds what it found (the new text,
# never the old); run again it has nothing to do. It takes the database's
# lock as a load does: while a load runs it does nothing, exit 6. -q says
# nothing, --log-format json gives the sizes. For the moment it runs, the
# disk holds the compacted index once more (DB-wal), not the old one too.
. "$(dirname "$0")/lib.sh"
plan 15

start_fake --movies 200 --deleted 0
run_ingest list popular --pages all --rate 0 --append keywords
is "$RC" 0 "a first load"
index() { sql 'SELECT sum(length(block)) FROM movies_fts_data'; }
fresh=$(index)
# Every overview rewritten three times, as TMDB's editors do over months:
# each reaches the index when the tool next opens the database to write
# (the rewrite noted in fts_pending by the schema's triggers).
for i in 1 2 3; do
    sql "UPDATE movies SET overview = 'version$i of ' || id WHERE overview IS NOT NULL"
    run_ingest ids "$(sql 'SELECT min(id) FROM movies')" --rate 0 --append keywords
done
before=$(index)
ok "$([ "$before" -gt "$fresh" ]; echo $?)" "the rewrites grew the index ($fresh -> $before bytes)"

run_ingest optimize
is "$RC:$OUT" "0:" "optimize exits 0, nothing on stdout"
after=$(index)
ok "$([ "$after" -lt "$before" ]; echo $?)" "the index shrank ($before -> $after bytes)"
like "$ERR" "optimized the search index of $DB: [0-9.]+ MiB before, [0-9.]+ MiB after" \
    "it says the sizes"
is "$(sql "INSERT INTO movies_fts (movies_fts) VALUES ('integrity-check'); PRAGMA integrity_check")" \
    ok "the index and the database check whole"
title=$(sql 'SELECT title FROM movies ORDER BY id LIMIT 1')
run_ingest search "$title"
like "$OUT" "$title" "a title is found"
run_ingest search version3 --limit 1000
is "$RC:$(printf '%s\n' "$OUT" | grep -c '^ *[0-9]')" \
    "0:$(sql "SELECT count(*) FROM movies WHERE overview LIKE 'version3 of %'")" \
    "the newest text is found, in every movie that holds it"
run_ingest search version1
is "$RC" 4 "the old text is not"

run_ingest -q optimize
is "$RC:$ERR:$(index)" "0::$after" "again: nothing to do, -q says nothing"
run_ingest --log-format json optimize
ok "$(printf '%s' "$ERR" | "$PYTHON" -c '
import json, sys
e = json.loads(sys.stdin.read())
sys.exit(not (e["event"] == "optimized" and e["index_bytes_before"] == e["index_bytes_after"] == int(sys.argv[1])))' "$after"; echo $?)" \
    "--log-format json: an optimized event with the sizes"

# What the optimize writes, kept in DB-wal by a reader's snapshot: the
# compacted index, not the old one beside it (a SQLite built with
# SECURE_DELETE, as Debian's is, zeroes each page it frees, and wrote the
# old index into DB-wal too: 25 MB for the 9.6 MB index of the year-old
# database, where the README says 0.5 KB a movie).
sql "UPDATE movies SET overview = 'version4 of ' || id WHERE overview IS NOT NULL"
run_ingest ids "$(sql 'SELECT min(id) FROM movies')" --rate 0 --append keywords
grown=$(index)
"$PYTHON" - "$DB" "$TMP" <<'PY' &
import os, sqlite3, sys, time
db, tmp = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db, isolation_level=None)
c.execute("BEGIN")
c.execute("SELECT count(*) FROM movies").fetchone()
open(os.path.join(tmp, "holding"), "w").close()
deadline = time.time() + 60
while not os.path.exists(os.path.join(tmp, "release")) and time.time() < deadline:
    time.sleep(0.05)
c.execute("COMMIT")
PY
reader=$!
wait_for "the reader's snapshot" $reader test -e "$TMP/holding"
run_ingest optimize
wal=$(stat -c %s "$DB-wal")
touch "$TMP/release"
wait $reader
ok "$([ "$RC" = 0 ] && [ "$wal" -lt "$grown" ]; echo $?)" \
    "optimize writes the compacted index alone: DB-wal $wal bytes, the old index $grown, the new $(index)"

# A load holds the lock: nothing is done.
start_fake --movies 200 --deleted 0 --latency-ms 100
"$BIN" --db "$DB" --no-progress list top_rated --pages all --workers 1 --rate 0 \
    --append keywords >/dev/null 2>&1 &
load=$!
wait_for "the load to hold the database" $load \
    sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM runs WHERE status = 'running'\" 2>/dev/null) = 1 ]"
run_ingest optimize
kill -TERM $load
wait $load
is "$RC" 6 "optimize while a load runs: exit 6"
like "$ERR" "not optimizing it; nothing was done" "saying nothing was done"

run_ingest --db "$TMP/none.sqlite3" optimize
is "$RC" 2 "no database: exit 2"

done_testing
