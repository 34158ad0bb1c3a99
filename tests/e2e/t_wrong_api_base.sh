#!/bin/sh
# A wrong --api-base on TMDB's own host (a missing /3, /4 for /3) answers
# every movie with TMDB's own 404 (status_code 34). Before this check an
# export or an ids run then marked every stored movie deleted, exit 0. Now
# a run whose first 25 answers are all 404s, one at least for a stored
# movie (any, for an export), stops with exit 1 and records none of them;
# a run that stores or fails a movie first, or has fewer answers, goes on
# as before; a run stopped during the check records none of them.
. "$(dirname "$0")/lib.sh"
plan 20

start_fake --movies 300 --deleted 0
TODAY_FILE="$TMP/movie_ids_$(date -u +%m_%d_%Y).json.gz"
curl -s -o "$TODAY_FILE" "$FAKE_URL/p/exports/movie_ids_$(date -u +%m_%d_%Y).json.gz"
run_ingest export --file "$TODAY_FILE" --rate 0
is "$RC" 0 "the catalogue is loaded"
# Fetched long before the runs below (each run takes well under a second
# here, and a rerun skips what was fetched since the failed run started).
sql "UPDATE movies SET fetched_at = '2026-01-01T00:00:00Z'"
deleted() { sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL'; }
failures() { sql 'SELECT count(*) FROM fetch_failures'; }

run_ingest export --file "$TODAY_FILE" --rate 0 --api-base "$FAKE_URL/4"
is "$RC" 1 "export with a wrong API base: exit 1"
like "$ERR" "the first 25 movies of the export all answered 404 \(TMDB: not found\), though the export lists them as existing: the API base \(--api-base or TMDB_API_BASE\) is most likely wrong" \
    "the message names the likely cause"
is "$(deleted):$(failures)" "0:0" "no movie marked deleted, no failure recorded"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is recorded as failed"

# ids of stored movies: the same.
set -- $(sql 'SELECT id FROM movies ORDER BY id LIMIT 40')
run_ingest ids "$@" --rate 0 --api-base "$FAKE_URL/4"
is "$RC" 1 "ids of 40 stored movies with a wrong API base: exit 1"
like "$ERR" "25 of them movies the database holds" "says how many are stored movies"
is "$(deleted)" 0 "none marked deleted"

# Movies not stored yet first, then stored ones, one commit per answer: the
# first answers are held too, so the next run (right base) fetches them all.
NEW=$(sql 'SELECT id FROM movies ORDER BY id LIMIT 10')
cp "$DB" "$TMP/before.sqlite3"
sql "DELETE FROM movies WHERE id IN ($(echo $NEW | tr ' ' ','))"
run_ingest ids $NEW $(sql 'SELECT id FROM movies ORDER BY id LIMIT 30') --rate 0 --batch 1 --workers 1 \
    --api-base "$FAKE_URL/4"
is "$RC:$(failures):$(deleted)" "1:0:0" "new ids first, --batch 1: stopped, nothing recorded"
run_ingest ids $NEW --rate 0
is "$RC:$(sql "SELECT count(*) FROM movies WHERE id IN ($(echo $NEW | tr ' ' ','))")" "0:10" \
    "the next run with the right base fetches the new ids (none skipped)"

# A signal during the check: what was held is dropped, not committed.
stop_fake
start_fake --movies 300 --deleted 0 --latency-ms 300
sql "UPDATE movies SET fetched_at = '2026-01-01T00:00:00Z'"
set -- $(sql 'SELECT id FROM movies ORDER BY id LIMIT 100')
"$BIN" --db "$DB" --no-progress ids "$@" --rate 0 --workers 2 --api-base "$FAKE_URL/4" \
    >/dev/null 2>"$TMP/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
is "$?" 130 "SIGINT during the check: exit 130"
is "$(deleted):$(failures)" "0:0" "the 404s it held are not recorded"
run_ingest ids "$@" --rate 0 --workers 20
is "$RC:$(deleted):$(sql 'SELECT skipped FROM runs ORDER BY id DESC LIMIT 1')" "0:0:0" \
    "the next run (right base) skips none and marks none"
stop_fake
start_fake --movies 300 --deleted 0

# A fresh database: the 404s lose nothing, so an id scan goes on.
seq 1 60 >"$TMP/ids"
INGEST_STDIN="$TMP/ids" run_ingest --db "$TMP/fresh.sqlite3" ids - --rate 0 --api-base "$FAKE_URL/4"
is "$RC" 0 "60 unknown ids on an empty database: exit 0"
is "$(sqlite3 "$TMP/fresh.sqlite3" 'SELECT missing FROM runs')" 60 "all recorded as missing"

# Real deletions: 20 stored movies TMDB deleted, answered first, then one
# that exists: the batch held while only 404s came is committed.
stop_fake
start_fake --movies 300 --deleted 30
# (the deleted ones that are stored: adult and video entries are not)
GONE=$(sql "SELECT id FROM movies WHERE id IN ($(deleted_ids --movies 300 --deleted 30 | tr ' ' ','))" |
    tr '\n' ' ')
FIRST20=$(echo $GONE | cut -d' ' -f1-20)
LIVE=$(catalogue_ids 1 --movies 300 --deleted 30)
run_ingest ids $FIRST20 $LIVE --rate 0 --workers 1
is "$RC" 0 "20 deleted movies, then one that exists: exit 0"
is "$(deleted)" 20 "the 20 are marked deleted"
is "$(sql "SELECT count(*) FROM movies WHERE id = $LIVE AND deleted_at IS NULL")" 1 \
    "the one that exists is stored"
# Fewer than 25 answers: nothing to hold back.
sql 'UPDATE movies SET deleted_at = NULL'
set -- $GONE
run_ingest ids $1 $2 $3 --rate 0
is "$RC:$(deleted)" "0:3" "3 deleted movies alone: exit 0, marked"
# 30 of them and nothing else: stopped, though TMDB did delete them (the
# price of the check: give such ids with others).
sql 'UPDATE movies SET deleted_at = NULL'
run_ingest ids $GONE --rate 0
is "$RC:$(deleted)" "1:0" "30 deleted movies alone: stopped, none marked"

done_testing
