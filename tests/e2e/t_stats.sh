#!/bin/sh
# stats: the database at a glance, read-only: counts that match the tables,
# the changes cursor, the freshness histogram, the last runs.
. "$(dirname "$0")/lib.sh"
plan 11

start_fake --movies 40 --deleted 2
run_ingest stats
is "$RC" 2 "no database: exit 2"
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(date -u +%F)" --rate 0 --append credits
stored=$(sql 'SELECT count(*) FROM movies')
sql "UPDATE movies SET deleted_at = '2026-01-01T00:00:00Z', fetched_at = '2020-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM movies)"
before=$(cksum <"$DB")
run_ingest stats
is "$RC" 0 "stats exits 0"
like "$OUT" "Movies +$stored stored, 1 of them deleted" "movies and deleted"
like "$OUT" "credits for $stored," "appended parts"
like "$OUT" "Changes +complete through $(date -u -d '-1 day' +%F)" "how far the changes are complete"
like "$OUT" "fetched <1 day: $((stored - 1)),.* older: 1" "freshness histogram"
like "$OUT" "  1  [0-9T:Z-]+ +[0-9]+h[0-9]{2}m[0-9]{2}s  ok +$stored +0 +0 +0  export" "the run, with its duration"
is "$(cksum <"$DB")" "$before" "stats wrote nothing"
run_ingest stats --workers 3
is "$RC" 2 "load options are refused"
# A report a full disk cut short is a failure, not an empty success.
"$BIN" --db "$DB" stats >/dev/full 2>"$TMP/err"
is "$?" 1 "stats to a full disk: exit 1"
like "$(cat "$TMP/err")" "error: writing the statistics: No space left on device" "and says why"

done_testing
