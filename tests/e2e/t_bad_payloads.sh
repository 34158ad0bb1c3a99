#!/bin/sh
# Bad payloads and permanent HTTP errors: that movie is recorded as failed
# with a reason, every other movie is stored, exit 3, no partial row.
# --max-body bounds the body as decoded, compressed or not: a body of
# exactly --max-body bytes is stored, one byte more is too large. A 404
# that is not TMDB's own "not found" (a proxy's page, a wrong path) is a
# failure: the stored movie is not marked deleted. A redirect's Location
# holding bytes no URL may is named percent-encoded.
. "$(dirname "$0")/lib.sh"
plan 24

CAT="--movies 40 --deleted 0"
set -- $(catalogue_ids 12 $CAT)
good1=$1 trunc=$2 genres=$3 title=$4 noid=$5 wrongid=$6 huge=$7 utf8=$8 html=$9
shift 9
bad400=$1 good2=$2 good3=$3
start_fake $CAT --fault "$trunc:truncated" --fault "$genres:genres_int" --fault "$title:title_int" \
    --fault "$noid:no_id" --fault "$wrongid:wrong_id" --fault "$huge:huge" --fault "$utf8:bad_utf8" \
    --fault "$html:html200" --huge-mib 3
run_ingest ids $good1 $trunc $genres $title $noid $wrongid $huge $utf8 $html $good2 $good3 \
    --max-body 2M --rate 0 --retries 1
is "$RC" 3 "exit 3: finished, some movies failed"
is "$(sql 'SELECT count(*) FROM movies')" 3 "the three good movies are stored"
is "$(sql "SELECT count(*) FROM movies WHERE id IN ($trunc,$genres,$title,$noid,$wrongid,$huge,$utf8,$html)")" 0 \
    "no row at all for a bad payload"
is "$(sql "SELECT count(*) FROM movie_genres WHERE movie_id = $genres")" 0 "no partial link rows"
reason() { sql "SELECT reason FROM fetch_failures WHERE movie_id = $1 AND kind = 'failed'"; }
like "$(reason $trunc)" "bad payload" "truncated JSON: recorded"
like "$(reason $genres)" "genres" "genres: 5: reason names the field"
like "$(reason $title)" "title" "title: 123: reason names the field"
like "$(reason $noid)" "id" "missing id: recorded"
like "$(reason $wrongid)" "$wrongid" "id mismatch: reason names the requested id"
like "$(reason $huge)" "too large" "body over --max-body: recorded"
like "$(reason $utf8)" "UTF-8" "invalid UTF-8: recorded"
like "$(reason $html)" "bad payload" "HTML with status 200: recorded"
like "$ERR" "run 1 partial: requested=11 stored=3 missing=0 failed=8" "summary counts the failures"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

size=$(curl -s -H "Authorization: Bearer $TEST_TOKEN" "$FAKE_URL/3/movie/$good2?language=ko-KR" | wc -c)
DB=$TMP/max_body.sqlite3
for gzip in gzip identity; do
    [ $gzip = identity ] && { stop_fake; start_fake $CAT --no-gzip; }
    rm -f "$DB"*
    run_ingest ids "$good2" --max-body "$size" --rate 0 --retries 0
    is "$RC:$(sql 'SELECT count(*) FROM movies')" "0:1" "$gzip: a body of exactly --max-body ($size bytes) is stored"
    run_ingest ids "$good3" --max-body $((size / 2)) --rate 0 --retries 0
    like "$(reason "$good3")" "too large" "$gzip: a body of twice --max-body is too large"
done

stop_fake
start_fake $CAT --fault "$good2:404html"
run_ingest ids "$good2" "$good3" --rate 0 --retries 0
is "$RC" 3 "an HTML 404: the run ends with failures (exit 3)"
is "$(sql "SELECT count(*) FROM movies WHERE id = $good2 AND deleted_at IS NULL")" 1 \
    "the stored movie is not marked deleted"
is "$(sql "SELECT kind FROM fetch_failures WHERE movie_id = $good2")" failed "recorded as failed, not missing"
like "$(reason "$good2")" "HTTP 404: non-JSON body, not TMDB's \"not found\"" "the reason says why"

# A redirect whose Location holds a Latin-1 byte and an escape sequence (a
# misconfigured proxy's): the reason names where it pointed, those bytes
# percent-encoded, so that a reader decoding the text as UTF-8 (Python's
# sqlite3) can read the row, and no log or terminal gets the escape.
stop_fake
start_fake $CAT --fault "$good2:redirect_raw"
run_ingest ids "$good2" --rate 0 --retries 0
like "$(sql "SELECT reason FROM fetch_failures WHERE movie_id = $good2 ORDER BY run_id DESC LIMIT 1")" \
    "^HTTP 301: redirected to https://api\\.example\\.test/Am%E9lie%1B\\[31m/3/movie/$good2\\?" \
    "a redirect to bytes no URL holds: named percent-encoded"
"$PYTHON" -c 'import sqlite3, sys
sqlite3.connect(sys.argv[1]).execute("SELECT reason FROM fetch_failures").fetchall()' "$DB"
ok $? "and Python's sqlite3 reads the row (UTF-8 text)"

done_testing
