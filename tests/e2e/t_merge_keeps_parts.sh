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
plan 12

start_fake --movies 60 --deleted 2
FRESH=$TMP/fresh.sqlite3
PLAIN=$TMP/plain.sqlite3
"$BIN" --db "$FRESH" --no-progress -q list now_playing --pages all --rate 0 \
    --append credits,keywords
is "$?" 0 "load with --append credits,keywords exits 0"
sleep 1 # the second load's fetches are a later second: its copies win
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

done_testing
