#!/bin/sh
# A signal that comes after the last movie was written, while an export
# lists the stored movies it no longer names (a million of them here, so
# that takes a while): the run stops there — interrupted, exit 143,
# nothing marked deleted, the changes cursor where it was. It used to be
# ignored: run 'ok', exit 0, and every one of them marked deleted.
. "$(dirname "$0")/lib.sh"
plan 4

# named before the fake starts: it serves that day's export even when
# midnight comes in between (its own today is then the next day)
EXPORT="$TMP/movie_ids_$(date -u +%m_%d_%Y).json.gz"
start_fake --movies 300 --deleted 0
curl -s -o "$EXPORT" "$FAKE_URL/p/exports/${EXPORT##*/}"
run_ingest ids 550 --rate 0 # creates the database
# a million old movies the export does not name, and nothing else
sql "DELETE FROM movies;
     WITH RECURSIVE c(x) AS (SELECT 10000000 UNION ALL SELECT x + 1 FROM c WHERE x < 10999999)
     INSERT INTO movies (id, raw_json, language, fetched_at)
     SELECT x, '{}', 'ko-KR', '2026-01-01T00:00:00Z' FROM c;
     INSERT OR REPLACE INTO meta (key, value) VALUES ('changes_from', '2026-01-02')"
EXPECTED=$(gzip -dc "$EXPORT" | "$PYTHON" -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and not json.loads(l)["adult"] and not json.loads(l)["video"]))')
"$BIN" --db "$DB" --no-progress export --file "$EXPORT" --rate 0 --max-deletions 100% \
    >/dev/null 2>"$TMP/err" &
pid=$!
# every detail answered and written: the load is over, or writing its last batch
details_stored() {
    [ "$(sql "SELECT count(*) FROM movies WHERE id < 10000000" 2>/dev/null || echo 0)" \
        -ge "$EXPECTED" ]
}
# The wait spans the whole export, started on a million rows: 27-29 s
# under TSan on a loaded machine (6 busy loops, 4 copies at once), and
# past the default 30 s in 8 runs of 8 there. It only bounds a hang.
WAIT_S=300
wait_for "every detail stored" "$pid" details_stored
kill -TERM $pid
wait $pid
is "$?" 143 "SIGTERM after the last movie: exit 143"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" interrupted "the run is interrupted"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL')" 0 "nothing marked deleted"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" 2026-01-02 "the cursor did not move"

done_testing
