#!/bin/sh
# --append credits,keywords: one request per movie brings its credits and
# keywords too, and every movie's cast, crew and keywords are stored exactly
# as the fake served them, with movies.appended naming the parts. A later
# run without --append leaves those rows in place; a run with it again
# replaces them without duplicating any. A body without a part asked for
# fails, and the stored copy stays.
. "$(dirname "$0")/lib.sh"
plan 24

CATALOGUE="--movies 60 --deleted 2"
# shellcheck disable=SC2086
start_fake $CATALOGUE
# shellcheck disable=SC2086
"$PYTHON" "$FAKE" --dump-catalogue $CATALOGUE --dump-append credits,keywords \
    >"$TMP/catalogue.jsonl" || bail "fake TMDB cannot dump its catalogue with --dump-append"
"$PYTHON" -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        print(json.loads(line)["id"])' <"$TMP/catalogue.jsonl" >"$TMP/ids"
compare() { "$PYTHON" "$ROOT/tests/e2e/compare_parts.py" "$DB" "$TMP/catalogue.jsonl"; }
part_counts() {
    sql "SELECT (SELECT count(*) FROM movie_cast) || ',' || (SELECT count(*) FROM movie_crew) || ','
             || (SELECT count(*) FROM movie_keywords) || ',' || (SELECT count(*) FROM people) || ','
             || (SELECT count(*) FROM keywords)"
}

INGEST_STDIN=$TMP/ids run_ingest ids - --append credits,keywords --workers 4 --rate 0
is "$RC" 0 "exit status 0 (the 2 deleted movies are 404s, not failures)"
is "$(sql 'SELECT count(*) FROM movies')" 58 "58 movies stored"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 60 "one request per movie: the parts come in the same response"

check=$(compare)
ok $? "cast, crew, keywords and people of every movie equal what the fake served"
diag "$check"
# The comparison is only as good as what it compares: the catalogue has credits.
[ "$(sql 'SELECT count(*) FROM movie_cast')" -gt 100 ] &&
    [ "$(sql 'SELECT count(*) FROM movie_crew')" -gt 50 ] &&
    [ "$(sql 'SELECT count(*) FROM movie_keywords')" -gt 50 ]
ok $? "the catalogue's credits and keywords are not trivially empty"
is "$(sql "SELECT count(*) FROM movies WHERE appended = 'credits,keywords'")" 58 \
    "movies.appended is 'credits,keywords' for every movie"
is "$(sql 'SELECT (SELECT count(*) FROM release_dates) + (SELECT count(*) FROM external_ids)
               + (SELECT count(*) FROM translations)')" 0 "parts not asked for are not stored"
is "$(sql "SELECT count(*) FROM movies WHERE json_extract(raw_json, '\$.credits') IS NULL
               OR json_extract(raw_json, '\$.keywords') IS NULL")" 0 "raw_json holds the parts as received"
is "$(sql 'PRAGMA foreign_key_check')" "" "every credit names a stored person, every link a keyword"

before=$(part_counts)
INGEST_STDIN=$TMP/ids run_ingest ids - --workers 4 --rate 0
is "$RC" 0 "a rerun without --append exits 0"
is "$(part_counts)" "$before" "it leaves cast, crew, keywords and people as they were"
check=$(compare)
ok $? "and they still equal what the fake served"
diag "$check"
is "$(sql 'SELECT count(*) FROM movies WHERE appended IS NULL')" 58 \
    "movies.appended is NULL: the last fetch carried no parts"
# movie_credits lists the movies whose credits were fetched: also those
# TMDB listed no credit for (3 of the catalogue), whose last fetch did not
# carry credits (movie_parts says an earlier one did).
is "$(sql 'SELECT count(*) FROM movie_credits')" 58 \
    "movie_credits still lists every movie fetched with credits, those with none included"

INGEST_STDIN=$TMP/ids run_ingest ids - --append keywords,credits --workers 4 --rate 0
is "$RC" 0 "a rerun with --append exits 0"
is "$(part_counts)" "$before" "the same rows again, none duplicated"
is "$(sql "SELECT count(*) FROM movies WHERE appended = 'credits,keywords'")" 58 \
    "movies.appended lists the parts in its own order, whatever --append's"
is "$(sql 'PRAGMA integrity_check')" "ok" "integrity_check ok"

# A body without a part asked for (the query dropped on its way: a proxy,
# or libcurl cutting it) is a failure that may pass next time: the movie
# keeps its stored copy, parts and all, instead of being stored without them.
cut=$(head -1 "$TMP/ids")
fetched=$(sql "SELECT fetched_at FROM movies WHERE id = $cut")
stop_fake
# shellcheck disable=SC2086
start_fake $CATALOGUE --fault "$cut:no_parts:1"
sleep 1 # a new fetched_at would differ
run_ingest ids "$cut" --append credits,keywords --rate 0 --retries 0
is "$RC" 3 "a body without the parts asked for: the run ends partial (exit 3)"
like "$(sql "SELECT reason FROM fetch_failures WHERE movie_id = $cut")" \
    'bad payload: no "credits", which append_to_response asked for' "the reason names the part"
is "$(sql "SELECT fetched_at = '$fetched' AND appended = 'credits,keywords' FROM movies
           WHERE id = $cut")" 1 "the movie keeps its stored copy"
is "$(part_counts)" "$before" "and its cast, crew and keywords"

# TMDB filters appended images by the language alone, leaving out those of
# no language (nearly every backdrop): raw_json holds the language's and
# those, as TMDB sends them with include_image_language=ko,null.
# shellcheck disable=SC2086
"$PYTHON" "$FAKE" --dump-catalogue $CATALOGUE --dump-append images \
    --dump-image-languages ko,null | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if not m["deleted"]:
        print("%d|%s" % (m["id"], json.dumps(m["images"], ensure_ascii=False, sort_keys=True)))' |
    sort >"$TMP/images.expected"
INGEST_STDIN=$TMP/ids run_ingest ids - --append images --workers 4 --rate 0
is "$RC" 0 "--append images exits 0"
sql "SELECT id, json_extract(raw_json, '$.images') FROM movies" | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    mid, images = line.rstrip("\n").split("|", 1)
    print("%s|%s" % (mid, json.dumps(json.loads(images), ensure_ascii=False, sort_keys=True)))' |
    sort >"$TMP/images.stored"
grep -q '"iso_639_1": null' "$TMP/images.stored" && cmp -s "$TMP/images.stored" "$TMP/images.expected"
ok $? "raw_json holds the images of the language and those of none (backdrops)"

done_testing
