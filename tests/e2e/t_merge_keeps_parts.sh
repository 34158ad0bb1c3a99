#!/bin/sh
# merge keeps the appended parts a newer fetch did not ask for, as a load
# does: a database loaded with --append credits,keywords merged with a later
# load of the same list without --append keeps every cast, crew and keyword
# row (movies.appended is the later fetch's: none), and the later details.
. "$(dirname "$0")/lib.sh"
plan 8

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

done_testing
