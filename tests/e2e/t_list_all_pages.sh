#!/bin/sh
# The core job: every page of now_playing, 500 movies of which 10 are
# deleted, stored exactly as the fake served them, with bounded
# concurrency, kept-alive connections, one request per movie, and an
# idempotent rerun.
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 500 --deleted 10 --latency-ms 5
"$PYTHON" "$FAKE" --dump-catalogue --movies 500 --deleted 10 --language ko-KR >"$TMP/catalogue.jsonl"

run_ingest list now_playing --pages all --workers 5 --rate 0
is "$RC" 0 "exit status 0 (404s for deleted movies are not failures)"
is "$(sql 'SELECT count(*) FROM movies')" 490 "490 movies stored"
is "$(sql "SELECT count(*) FROM fetch_failures WHERE kind = 'missing'")" 10 "10 deleted movies recorded as missing"
is "$(sql "SELECT count(*) FROM fetch_failures WHERE kind = 'failed'")" 0 "no failures"

check=$("$PYTHON" "$ROOT/tests/e2e/compare_catalogue.py" "$DB" "$TMP/catalogue.jsonl")
ok $? "title, vote_average, revenue, release_date, runtime and genres equal what was served"
diag "$check"

fake_snapshot
is "$(fake_stat by_endpoint.details)" 500 "each movie's details requested once (500 requests)"
is "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(max(d.values()))' "$(fake_stat detail_requests_per_id)")" 1 \
    "no movie fetched twice"
inflight=$(fake_stat max_in_flight)
[ "$inflight" -le 6 ]
ok $? "at most workers+1 requests in flight (saw $inflight)"
conns=$(fake_stat connections)
[ "$conns" -le 8 ]
ok $? "connections kept alive: $conns opened for 6 HTTP threads"

is "$(sql "SELECT status, requested, fetched, missing, failed FROM runs")" "ok|500|490|10|0" "runs row records the counts"
like "$ERR" "run 1 ok: requested=500 stored=490 missing=10 failed=0" "summary line on stderr"
is "$(sql "SELECT value FROM meta WHERE key = 'language'")" "ko-KR" "database records its language"
is "$(sql 'PRAGMA journal_mode')" "wal" "database is in WAL mode"

counts() {
    sql "SELECT (SELECT count(*) FROM movies) || ',' || (SELECT count(*) FROM movie_genres) || ',' ||
                (SELECT count(*) FROM genres) || ',' || (SELECT count(*) FROM movie_companies)"
}
before=$(counts)
run_ingest list now_playing --pages all --workers 5 --rate 0
is "$RC" 0 "second run exits 0"
is "$(counts)" "$before" "second run changes no row count (movies, links, genres)"
is "$(sql 'PRAGMA integrity_check')" "ok" "integrity_check ok"

# A 400 that is not TMDB's refusal of a page number (an HTML page from a
# proxy or the CDN) fails the list; it used to end it silently, exit 0.
stop_fake
start_fake --page-400html 2
run_ingest --db "$TMP/p.sqlite3" list popular --pages all --rate 0 --retries 0
is "$RC" 1 "an HTML 400 on page 2: exit 1"
like "$ERR" "popular page 2: HTTP 400" "names the page and the answer"
is "$(sqlite3 "$TMP/p.sqlite3" 'SELECT status FROM runs')" failed "the run is failed"

done_testing
