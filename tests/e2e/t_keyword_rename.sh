#!/bin/sh
# A keyword renamed by TMDB (routine) is stored under its new name for
# every movie and in the search index, and the run goes on: before, the
# search index's bookkeeping hit a UNIQUE constraint when a second movie
# of one batch carried the renamed keyword, ending every rerun with exit 1.
# The same for one body naming a keyword twice under two names, and for a
# merge whose input holds the new name.
. "$(dirname "$0")/lib.sh"
plan 21

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

# A database whose documents an earlier build wrote: its movie_search_text
# read the keywords of a movie whose last fetch carried them from raw_json,
# so a keyword renamed since kept its old name in the documents of the
# movies not fetched again (as above, before). Opening it to write rebuilds
# those documents, once: a version 5 one upgraded by stats, and one of the
# current version that build set up (version 6 then), at the next load. Before, they kept the old name
# for good: none was found by the new name.
old_view="CREATE VIEW movie_search_text AS SELECT m.id, m.title, m.original_title,
    m.overview, m.tagline, CASE WHEN instr(',' || m.appended || ',', ',keywords,') > 0
    THEN (SELECT group_concat(json_extract(j.value, '\$.name'), ', ')
            FROM json_each(m.raw_json, '\$.keywords.keywords') j)
    ELSE (SELECT group_concat(name, ', ') FROM (SELECT k.name FROM movie_keywords mk
            JOIN keywords k ON k.id = mk.keyword_id WHERE mk.movie_id = m.id
           ORDER BY mk.position)) END AS keywords FROM movies m"
for v in 5 6; do
    cp "$TMP/old.sqlite3" "$TMP/v$v.sqlite3"
    sqlite3 "$TMP/v$v.sqlite3" "DROP VIEW movie_search_text; $old_view;
        UPDATE keywords SET name = '$NEW' WHERE id = $KW; DELETE FROM fts_pending;
        DELETE FROM meta WHERE key = 'schema_digest'"
done
sqlite3 "$TMP/v5.sqlite3" "DROP VIEW movie_credits; DROP TABLE movie_parts; ALTER TABLE runs DROP COLUMN error;
    ALTER TABLE runs DROP COLUMN exit_status; PRAGMA user_version = 5"
DB=$TMP/v5.sqlite3 run_ingest stats
DB=$TMP/v5.sqlite3 run_ingest search zeppelinrename --limit 1000
is "$RC:$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" "0:$n" \
    "version 5, upgraded by stats: all $n movies of the keyword found by its new name"
is "$(sqlite3 "$TMP/v5.sqlite3" "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH '\"based on novel or book\"'")" 0 \
    "none by the old name"
other=$(sql "SELECT id FROM movies WHERE id NOT IN (SELECT movie_id FROM movie_keywords) LIMIT 1")
DB=$TMP/v6.sqlite3 run_ingest ids "$other" --rate 0 --append keywords
DB=$TMP/v6.sqlite3 run_ingest search zeppelinrename --limit 1000
is "$RC:$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" "0:$n" \
    "the current version set up by that build, after a load of another movie: all $n found by the new name"
is "$(sqlite3 "$TMP/v6.sqlite3" "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH '\"based on novel or book\"'")" 0 \
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
