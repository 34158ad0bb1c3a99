#!/bin/sh
# merge keeps the appended parts a newer fetch did not ask for, as a load
# does: a database loaded with --append credits,keywords merged with a later
# load of the same list without --append keeps every cast, crew and keyword
# row (movies.appended is the later fetch's: none), and the later details.
# The order of the inputs does not matter: merged first, the later load's
# copies stay, and the earlier one still brings the parts they lack (before,
# it brought nothing, and every credit and keyword was lost: `merge OUT
# *.sqlite3` takes the inputs in the order of their names).
. "$(dirname "$0")/lib.sh"
plan 18

start_fake --movies 60 --deleted 2
FRESH=$TMP/fresh.sqlite3
MID=$TMP/mid.sqlite3
PLAIN=$TMP/plain.sqlite3
"$BIN" --db "$FRESH" --no-progress -q list now_playing --pages all --rate 0 \
    --append credits,keywords
is "$?" 0 "load with --append credits,keywords exits 0"
sleep 1 # each later load's fetches are a later second
"$BIN" --db "$MID" --no-progress -q list now_playing --pages all --rate 0 \
    --append credits
is "$?" 0 "a later load with --append credits exits 0"
sleep 1 # the last load's copies win
"$BIN" --db "$PLAIN" --no-progress -q list now_playing --pages all --rate 0
is "$?" 0 "load without --append exits 0"
sqlite3 "$PLAIN" "UPDATE movies SET title = 'later ' || title"

run_ingest merge "$DB" "$FRESH" "$PLAIN"
is "$RC" 0 "merge exits 0"
like "$ERR" "merged .*plain.sqlite3: movies=58 taken=58" "every movie of the later load wins"

parts() {
    sqlite3 -batch -noheader "$1" "SELECT (SELECT count(*) FROM movie_cast) || ',' ||
        (SELECT count(*) FROM movie_crew) || ',' || (SELECT count(*) FROM movie_keywords)"
}
is "$(parts "$DB")" "$(parts "$FRESH")" "cast, crew and keywords kept ($(parts "$FRESH"))"
is "$(sql "SELECT count(*) FROM movies WHERE title LIKE 'later %' AND appended IS NULL")" 58 \
    "the later details win; appended says what their fetch carried"
keyword=$(sqlite3 "$FRESH" "SELECT name FROM keywords WHERE length(name) >= 3 ORDER BY id LIMIT 1")
run_ingest search "$keyword" --limit 100
like "$OUT" "later " "a kept keyword is still searched ('$keyword')"
is "$(sql 'PRAGMA foreign_key_check' | wc -l | tr -d ' ')" 0 "no dangling reference"

REVERSED=$TMP/reversed.sqlite3
"$BIN" merge "$REVERSED" "$PLAIN" "$FRESH" 2>"$TMP/err"
is "$?" 0 "merge in the other order exits 0"
is "$(parts "$REVERSED")" "$(parts "$FRESH")" "the later load merged first: cast, crew and keywords still kept"
differ=0
for t in movies movie_genres movie_cast movie_crew movie_keywords; do
    n=$(sqlite3 "$DB" "ATTACH '$REVERSED' AS r;
        SELECT (SELECT count(*) FROM (SELECT * FROM main.$t EXCEPT SELECT * FROM r.$t))
             + (SELECT count(*) FROM (SELECT * FROM r.$t EXCEPT SELECT * FROM main.$t))")
    [ "$n" = 0 ] || { diag "$t: $n rows differ"; differ=$((differ + 1)); }
done
is "$differ" 0 "both orders give the same movies, links, cast, crew and keywords"
"$BIN" --db "$REVERSED" search "$keyword" --limit 100 >"$TMP/out" 2>/dev/null
like "$(cat "$TMP/out")" "later " "and the keyword is searched there too"

# Three copies of each movie, fetched with different parts: FRESH (oldest:
# credits, keywords), MID (credits), PLAIN (newest: none). Whatever the
# order of the inputs, the credits are MID's (the later fetch that carried
# them), the keywords FRESH's, the details PLAIN's: movie_parts keeps each
# part's fetch time (before schema version 6, PLAIN MID FRESH kept FRESH's
# older credits).
sqlite3 "$FRESH" "UPDATE movie_cast SET character = 'fresh'"
sqlite3 "$MID" "UPDATE movie_cast SET character = 'mid'"
orders=0 wrong=""
for order in "FRESH MID PLAIN" "FRESH PLAIN MID" "MID FRESH PLAIN" "MID PLAIN FRESH" \
    "PLAIN FRESH MID" "PLAIN MID FRESH"; do
    out=$TMP/three-$(echo "$order" | tr ' ' '-').sqlite3
    set -- $order
    eval "\"\$BIN\" merge \"\$out\" \"\$$1\" \"\$$2\" \"\$$3\"" 2>"$TMP/err" || wrong="$wrong [$order: exit $?]"
    got=$(sqlite3 "$out" "SELECT (SELECT group_concat(DISTINCT character) FROM movie_cast) || '|' ||
        (SELECT count(*) FROM movie_keywords) || '|' ||
        (SELECT count(*) FROM movies WHERE title LIKE 'later %')")
    [ "$got" = "mid|$(sqlite3 "$FRESH" 'SELECT count(*) FROM movie_keywords')|58" ] ||
        wrong="$wrong [$order: $got]"
    orders=$((orders + 1))
done
is "$orders:$wrong" "6:" "three copies merged in each of the 6 orders: MID's credits, FRESH's keywords, PLAIN's details"
is "$(sqlite3 "$TMP/three-PLAIN-MID-FRESH.sqlite3" "SELECT count(*) FROM movie_parts p JOIN
        (SELECT 'credits' AS part, id, fetched_at FROM m.movies UNION ALL
         SELECT 'keywords', id, fetched_at FROM f.movies) s ON s.id = p.movie_id AND s.part = p.part
        AND s.fetched_at = p.fetched_at" -cmd "ATTACH '$MID' AS m" -cmd "ATTACH '$FRESH' AS f")" 116 \
    "movie_parts holds each part's fetch time (MID's credits, FRESH's keywords)"
is "$(sqlite3 "$MID" "SELECT count(*) FROM movie_parts p JOIN movies m ON m.id = p.movie_id
        AND m.fetched_at = p.fetched_at AND p.part = 'credits'")" 58 \
    "a load notes the time of each part it fetched"
"$BIN" --db "$MID" dump --table movie_parts >"$TMP/parts.jsonl" 2>/dev/null
is "$(python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(len(rows), sorted({r["part"] for r in rows}), all(r["fetched_at"] for r in rows))' "$TMP/parts.jsonl")" \
    "58 ['credits'] True" "dump --table movie_parts: a row per movie and part, with its time"
"$BIN" merge "$TMP/three-FRESH-MID-PLAIN.sqlite3" "$FRESH" 2>/dev/null
is "$(sqlite3 "$TMP/three-FRESH-MID-PLAIN.sqlite3" "SELECT group_concat(DISTINCT character) FROM movie_cast")" mid \
    "merging the oldest copy again changes nothing"

done_testing
