#!/bin/sh
# A keyword renamed by TMDB (routine) is stored under its new name for
# every movie and in the search index, and the run goes on: before, the
# search index's bookkeeping hit a UNIQUE constraint when a second movie
# of one batch carried the renamed keyword, ending every rerun with exit 1.
# The same for one body naming a keyword twice under two names, and for a
# merge whose input holds the new name.
. "$(dirname "$0")/lib.sh"
plan 17

KW=818 # "based on novel or book" in the fake
NEW="zeppelinrename novel"
start_fake --movies 150 --deleted 0
run_ingest list now_playing --pages all --rate 0 --append keywords
is "$RC" 0 "first load exits 0"
n=$(sql "SELECT count(*) FROM movie_keywords WHERE keyword_id = $KW")
ok "$([ "$n" -ge 3 ] && echo 0 || echo 1)" "several movies carry keyword $KW ($n)"
cp "$DB" "$TMP/old.sqlite3"
sleep 1 # merge keeps the shared row written later, to the second

# The rename seen by a nightly run that fetches one of the keyword's movies
# only (a changes run fetches the changed ones): every movie of it is found
# by the new name, none by the old. Before, the documents of the movies not
# fetched again kept the old name (read from their raw_json).
one=$(sql "SELECT movie_id FROM movie_keywords WHERE keyword_id = $KW ORDER BY movie_id LIMIT 1")
cp "$DB" "$TMP/one.sqlite3"
stop_fake
start_fake --movies 150 --deleted 0 --rename-keyword "$KW:$NEW"
DB=$TMP/one.sqlite3 run_ingest ids "$one" --rate 0 --append keywords
is "$RC" 0 "one movie of the renamed keyword fetched again: exit 0"
DB=$TMP/one.sqlite3 run_ingest search zeppelinrename --limit 1000
is "$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" "$n" "all $n movies of the keyword found by its new name"
is "$(sqlite3 "$TMP/one.sqlite3" "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH '\"based on novel or book\"'")" 0 \
    "none by the old name"
stop_fake

stop_fake
start_fake --movies 150 --deleted 0 --rename-keyword "$KW:$NEW"
run_ingest list now_playing --pages all --rate 0 --append keywords
is "$RC" 0 "a load meeting the renamed keyword exits 0"
unlike "$ERR" "UNIQUE|error" "and reports no error"
is "$(sql "SELECT name FROM keywords WHERE id = $KW")" "$NEW" "the keyword has its new name"
run_ingest search zeppelinrename --limit 1000
is "$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" "$n" "search finds every movie by the new name ($n)"
is "$(sql "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH '\"based on novel or book\"'")" 0 \
    "the index holds the old name for no movie"

# merge: OUT has the old name, the input the new one
"$BIN" merge "$TMP/merged.sqlite3" "$TMP/old.sqlite3" "$DB" 2>"$TMP/merge.err"
is "$?" 0 "merging a database with the renamed keyword exits 0"
is "$(sqlite3 "$TMP/merged.sqlite3" "SELECT name FROM keywords WHERE id = $KW")" "$NEW" \
    "the merged keyword has the newer name"
# the other order: the newer name merged first stays (the later updated_at
# wins, not the last input)
"$BIN" merge "$TMP/reversed.sqlite3" "$DB" "$TMP/old.sqlite3" 2>"$TMP/merge.err"
is "$?:$(sqlite3 "$TMP/reversed.sqlite3" "SELECT name FROM keywords WHERE id = $KW")" "0:$NEW" \
    "merged in the other order, the keyword still has the newer name"

# one body naming the same keyword twice, under two names
victim=$(sql "SELECT movie_id FROM movie_keywords WHERE keyword_id = $KW ORDER BY movie_id LIMIT 1")
stop_fake
start_fake --movies 150 --deleted 0 --fault "$victim:keyword_twice"
run_ingest list now_playing --pages all --rate 0 --append keywords
is "$RC" 0 "a body naming a keyword twice under two names: exit 0"
is "$(sql "SELECT count(*) FROM movies WHERE id = $victim AND fetched_at >= (SELECT started_at FROM runs ORDER BY id DESC LIMIT 1)")" 1 \
    "that movie is stored"
is "$(sql "SELECT count(*) FROM movie_keywords WHERE movie_id = $victim AND keyword_id = $KW")" 1 \
    "with the keyword linked once"
is "$(sql "SELECT count(*) FROM fts_pending")" 0 "nothing is left pending for the index"

done_testing
