#!/bin/sh
# --shard K/N splits a load by id; merge combines the shard databases. Two
# shards merged equal one unsharded run, row for row, in every table of
# movie data (fetched_at, copy_made_at and updated_at aside: the runs happened at
# different moments). Merging a shard again adds nothing; an input that
# does not exist is named, and not created, and nothing is merged, not even
# the inputs before it (before, they were, and OUT was created); nor for
# an input of a newer schema version or an empty file (exit 2). The
# changes cursor of the result holds only as far as its least complete
# part: a shard whose export failed a movie has a cursor and a note in
# stale_copies, both merged; one whose export
# has not finished (it has no cursor) leaves the result without one,
# in either order, while a database of list or ids runs (no part of the
# catalogue) leaves it alone.
. "$(dirname "$0")/lib.sh"
plan 48

start_fake --movies 200 --deleted 4
BASE="$FAKE_URL/p/exports"
# Every export here reads yesterday's file, whose day sets the cursors
# compared below: the newest (no --date) is another day's from 08:00 UTC
# on, so exports on either side of 08:00 would set different ones.
DAY=$(date -u -d '-1 day' +%F)
FULL=$TMP/full.sqlite3
for k in 0 1; do
    "$BIN" --db "$TMP/shard$k.sqlite3" --no-progress -q export --export-base "$BASE" \
        --date "$DAY" --rate 0 --shard "$k/2" --append credits,keywords
    is "$?" 0 "shard $k/2 exits 0"
done
"$BIN" --db "$FULL" --no-progress -q export --export-base "$BASE" --date "$DAY" --rate 0 \
    --append credits,keywords
is "$?" 0 "unsharded run exits 0"
is "$(sqlite3 "$TMP/shard0.sqlite3" 'SELECT count(*) FROM movies WHERE id % 2 <> 0')" 0 \
    "shard 0/2 holds only even ids"

run_ingest merge "$DB" "$TMP/shard0.sqlite3" "$TMP/shard1.sqlite3"
is "$RC" 0 "merge exits 0"
like "$ERR" "merged .*shard1.sqlite3: movies=[0-9]+ taken=[0-9]+ runs=1" "merge reports what it took"

# Every movie-data table, compared both ways.
diffs=0
for t in movies collections genres movie_genres companies movie_companies countries \
    movie_countries languages movie_languages people movie_cast movie_crew keywords \
    movie_keywords release_dates external_ids translations movie_parts; do
    cols=$(sqlite3 "$FULL" "SELECT group_concat(name, ', ') FROM pragma_table_info('$t') WHERE name NOT IN ('fetched_at', 'copy_made_at', 'updated_at')")
    n=$(sqlite3 "$DB" "ATTACH '$FULL' AS f;
        SELECT (SELECT count(*) FROM (SELECT $cols FROM main.$t EXCEPT SELECT $cols FROM f.$t))
             + (SELECT count(*) FROM (SELECT $cols FROM f.$t EXCEPT SELECT $cols FROM main.$t))")
    [ "$n" = 0 ] || { diag "$t: $n rows differ"; diffs=$((diffs + 1)); }
done
is "$diffs" 0 "merged shards equal the unsharded run in all 19 tables"
is "$(sql 'SELECT count(*) FROM movie_cast')" "$(sqlite3 "$FULL" 'SELECT count(*) FROM movie_cast')" \
    "cast rows included ($(sql 'SELECT count(*) FROM movie_cast'))"
is "$(sql 'SELECT count(*) FROM runs')" 2 "both shards' runs are kept"

# Merging a newer copy: the later fetch wins.
sqlite3 "$TMP/shard0.sqlite3" "UPDATE movies SET title = 'newer', fetched_at = '2999-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM movies)"
"$BIN" merge "$DB" "$TMP/shard0.sqlite3" 2>/dev/null
is "$(sql "SELECT count(*) FROM movies WHERE title = 'newer'")" 1 "the later fetch wins"

# Merging shard 0 again: its run is already here.
run_ingest merge "$DB" "$TMP/shard0.sqlite3"
like "$ERR" "merged .*shard0.sqlite3: movies=[0-9]+ taken=0 runs=0" \
    "a shard merged again brings nothing new"
is "$(sql 'SELECT count(*) FROM runs')" 2 "its run is not copied twice"

run_ingest merge "$DB" "$TMP/shard1.sqlite3" "$TMP/nosuch.sqlite3"
is "$RC" 1 "an input that does not exist: exit 1"
like "$ERR" "nosuch.sqlite3: No such file" "the missing input is named"
is "$(ls "$TMP" | grep -c nosuch)" 0 "and not created"
"$BIN" merge "$TMP/new.sqlite3" "$TMP/shard0.sqlite3" "$TMP/nosuch.sqlite3" 2>/dev/null
is "$?" 1 "a missing input after a good one: exit 1"
is "$(ls "$TMP" | grep -c '^new\.sqlite3')" 0 "and OUT is not created, the good input not merged"
# The same for an input of a newer schema version, or an empty file (no
# tmdb-ingest data yet): a usage error (exit 2), said, before OUT is made.
cp "$TMP/shard1.sqlite3" "$TMP/newer.sqlite3"
sqlite3 "$TMP/newer.sqlite3" "PRAGMA user_version = 99"
: >"$TMP/empty.sqlite3"
"$BIN" merge "$TMP/new.sqlite3" "$TMP/shard0.sqlite3" "$TMP/newer.sqlite3" 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^2:.*newer\.sqlite3: schema version 99 is newer than this tmdb-ingest understands \(8\); upgrade tmdb-ingest" \
    "an input of a newer version after a good one: exit 2, why"
"$BIN" merge "$TMP/new.sqlite3" "$TMP/shard0.sqlite3" "$TMP/empty.sqlite3" 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^2:.*empty\.sqlite3 holds no tmdb-ingest data yet" \
    "an empty file as an input: exit 2, why"
is "$(ls "$TMP" | grep -c '^new\.sqlite3')" 0 "OUT is not created by either"
run_ingest --db "$TMP/en.sqlite3" ids "$(catalogue_ids 1 --movies 200 --deleted 4)" --language en-US --rate 0
before=$(sqlite3 "$TMP/en.sqlite3" "SELECT count(*) FROM movies")
"$BIN" merge "$TMP/en.sqlite3" "$TMP/shard0.sqlite3" 2>"$TMP/err"
is "$?" 2 "merging Korean shards into an OUT holding English text: exit 2"
ERR=$(cat "$TMP/err")
like "$ERR" "holds en-US text; refusing to add ko-KR text" "the message names both languages"
like "$ERR" "write into another database" "and the way out for a merge"
is "$(sqlite3 "$TMP/en.sqlite3" "SELECT count(*) FROM movies")" "$before" "OUT keeps what it held"
cp "$TMP/shard0.sqlite3" "$TMP/nolang.sqlite3"
sqlite3 "$TMP/nolang.sqlite3" "DELETE FROM meta WHERE key = 'language'"
"$BIN" merge "$TMP/new.sqlite3" "$TMP/nolang.sqlite3" 2>"$TMP/err"
is "$?" 2 "an input with no language recorded: exit 2"
like "$(cat "$TMP/err")" "nolang.sqlite3: not a tmdb-ingest database \(no language\)" \
    "and it is said (it was exit 1 without a word)"
"$BIN" merge "$TMP/mixed.sqlite3" "$TMP/shard0.sqlite3" "$TMP/en.sqlite3" 2>"$TMP/err"
is "$?" 2 "inputs of two languages: exit 2"
like "$(cat "$TMP/err")" "en.sqlite3 holds en-US text, the first input ko-KR: nothing merged" \
    "the input of the other language is named, with both languages"
is "$(ls "$TMP" | grep -c '^mixed\.sqlite3')" 0 "and OUT is not created, the first input not merged"

cursor() { sqlite3 "$1" "SELECT coalesce((SELECT value FROM meta WHERE key = 'changes_from'), 'none')"; }
odd=$(catalogue_ids 200 --movies 200 --deleted 4 | tr ' ' '\n' | awk '$1 % 2 == 1' | head -n 1)
even=$(catalogue_ids 200 --movies 200 --deleted 4 | tr ' ' '\n' | awk '$1 % 2 == 0' | head -n 2)
stop_fake
start_fake --movies 200 --deleted 4 --fault "$odd:500"
"$BIN" --db "$TMP/bad1.sqlite3" --no-progress -q export --export-base "$FAKE_URL/p/exports" \
    --date "$DAY" --rate 0 --retries 0 --shard 1/2 2>/dev/null
is "$?" 3 "a shard export with a failed movie exits 3"
is "$(cursor "$TMP/bad1.sqlite3"):$(sqlite3 "$TMP/bad1.sqlite3" 'SELECT movie_id FROM stale_copies WHERE copy_made_at IS NULL')" \
    "$(cursor "$TMP/shard0.sqlite3"):$odd" \
    "and sets its changes cursor all the same, the failed movie noted (t_failed_refetch.sh)"
rm -f "$TMP/m.sqlite3"*
"$BIN" merge "$TMP/m.sqlite3" "$TMP/shard0.sqlite3" "$TMP/bad1.sqlite3" 2>/dev/null
is "$(cursor "$TMP/m.sqlite3"):$(sqlite3 "$TMP/m.sqlite3" 'SELECT movie_id FROM stale_copies WHERE copy_made_at IS NULL')" \
    "$(cursor "$TMP/shard0.sqlite3"):$odd" "merged: the cursor, and the note for the next changes run"
run_ingest --db "$TMP/m.sqlite3" changes --rate 0 --retries 0
is "$RC:$(sqlite3 "$TMP/m.sqlite3" 'SELECT movie_id FROM stale_copies')" "3:$odd" \
    "changes on it fetches the noted movie again (still failing: exit 3, still noted)"
# A shard of an export whose day is unknown (--file without a date in its
# name) sets no cursor: an incomplete part.
"$PYTHON" "$FAKE" --movies 200 --deleted 4 --write-export "$TMP/catalogue.json.gz"
"$BIN" --db "$TMP/nodate1.sqlite3" --no-progress -q export --file "$TMP/catalogue.json.gz" \
    --rate 0 --shard 1/2 2>/dev/null
is "$(cursor "$TMP/nodate1.sqlite3")" none "a shard export of unknown day holds no changes cursor"
good=$(cursor "$TMP/shard0.sqlite3")
for order in "shard0 nodate1" "nodate1 shard0"; do
    rm -f "$TMP/m.sqlite3"*
    # shellcheck disable=SC2086
    set -- $order
    "$BIN" merge "$TMP/m.sqlite3" "$TMP/$1.sqlite3" "$TMP/$2.sqlite3" 2>"$TMP/err"
    is "$(cursor "$TMP/m.sqlite3")" none "merged $1, then $2: no changes cursor (shard0 has $good)"
done
like "$(cat "$TMP/err")" "warning: .*no changes cursor after merging .*: it has none \(its export or changes has not finished: still running, or stopped before its end; or it read a file of unknown day\)" \
    "merge says why the result has none"
run_ingest --db "$TMP/m.sqlite3" changes --rate 0
is "$RC" 2 "changes then refuses (exit 2) instead of skipping the days unread for good"
rm -f "$TMP/m.sqlite3"*
"$BIN" merge "$TMP/m.sqlite3" "$TMP/shard0.sqlite3" "$TMP/shard1.sqlite3" 2>/dev/null
is "$(cursor "$TMP/m.sqlite3")" "$(cursor "$TMP/shard1.sqlite3")" "two complete shards: the earlier cursor"
# shellcheck disable=SC2086
"$BIN" --db "$TMP/list.sqlite3" --no-progress -q ids $even --rate 0
is "$?" 0 "an ids run into a database of its own"
"$BIN" merge "$TMP/m.sqlite3" "$TMP/list.sqlite3" 2>/dev/null
is "$(cursor "$TMP/m.sqlite3")" "$(cursor "$TMP/shard1.sqlite3")" "merging it keeps the cursor"
rm -f "$TMP/m2.sqlite3"*
"$BIN" merge "$TMP/m2.sqlite3" "$TMP/list.sqlite3" "$TMP/shard0.sqlite3" 2>/dev/null
is "$(cursor "$TMP/m2.sqlite3")" "$good" "and merged first, it does not withhold the next one's"

# Two runs of one command started in the same second, each in its own
# database (two machines' cron at 02:30:00), each with its own failure:
# merged, they are two runs, each with its failure. (Before runs.uid they
# were taken for one: one run row, and the other's failure attached to it.)
for m in a b; do
    n=$([ $m = a ] && echo 990000001 || echo 990000002)
    "$BIN" --db "$TMP/cron-$m.sqlite3" --no-progress -q ids "$n" --rate 0 2>/dev/null
    sqlite3 "$TMP/cron-$m.sqlite3" "UPDATE runs SET started_at = '2026-11-26T02:30:00Z',
        command = 'tmdb-ingest --db tmdb.sqlite3 ids'"
done
# (b's run as one that failed would be: merge copies how each run ended)
sqlite3 "$TMP/cron-b.sqlite3" "UPDATE runs SET status = 'failed', exit_status = 7,
    error = 'TMDB or the network looks down'"
is "$(sqlite3 "$TMP/cron-a.sqlite3" "SELECT count(*) FROM runs WHERE length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*'"):$(sqlite3 "$TMP/cron-a.sqlite3" 'SELECT count(*) FROM fetch_failures')" \
    1:1 "a run has a uid of 32 hex digits (and its failure, a 404)"
rm -f "$TMP/m.sqlite3"*
"$BIN" merge "$TMP/m.sqlite3" "$TMP/cron-a.sqlite3" "$TMP/cron-b.sqlite3" 2>"$TMP/err"
is "$?" 0 "two runs of one command and second, merged: exit 0"
# Each run's failures, the runs ordered by them: "990000001 990000002" is
# two runs of one failure each.
runs_of() {
    sqlite3 "$1" "SELECT group_concat(f, ' ') FROM (SELECT (SELECT group_concat(movie_id) FROM
        fetch_failures WHERE run_id = r.id) AS f FROM runs r ORDER BY f)"
}
is "$(runs_of "$TMP/m.sqlite3")" "990000001 990000002" "two run rows, each with its own failure"
is "$(sqlite3 "$TMP/m.sqlite3" "SELECT group_concat(exit_status || ':' || coalesce(error, 'null'), ', ')
    FROM (SELECT * FROM runs ORDER BY exit_status)")" "0:null, 7:TMDB or the network looks down" \
    "each with the exit status and error it ended with"
"$BIN" merge "$TMP/m.sqlite3" "$TMP/cron-b.sqlite3" "$TMP/cron-a.sqlite3" 2>/dev/null
is "$(runs_of "$TMP/m.sqlite3")" "990000001 990000002" \
    "merged again, in the other order: still two, nothing doubled"
"$BIN" --db "$TMP/m.sqlite3" dump --table runs >"$TMP/runs.jsonl" 2>/dev/null
is "$("$PYTHON" -c '
import json, re, sys
runs = [json.loads(l) for l in sys.stdin if l.strip()]
print(sorted(r.get("uid") for r in runs) == sorted([
    sys.argv[1], sys.argv[2]]) and all(re.fullmatch("[0-9a-f]{32}", r["uid"]) for r in runs))' \
    "$(sqlite3 "$TMP/cron-a.sqlite3" 'SELECT uid FROM runs')" \
    "$(sqlite3 "$TMP/cron-b.sqlite3" 'SELECT uid FROM runs')" <"$TMP/runs.jsonl")" True \
    "dump --table runs gives each run's uid, the one it had in its own database"

done_testing
