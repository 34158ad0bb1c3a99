#!/bin/sh
# A list page that keeps failing ends the run (failed, exit 7: TMDB or the
# network did not answer, try later; exit 1 for a 4xx, which will not pass) after the
# movies of the pages before it; the rerun resumes: it reads the pages
# again and fetches only what the failed run did not settle. A page
# answered 200 with a body that is not a page (cut short, a proxy's HTML)
# is a failed attempt too: asked again like a 5xx, within --retries and
# counted in the run's retries, so one glitch does not end a long load;
# only a page that stays broken ends it. So is a page that says it is
# another (a cache that keys pages without their query string answers
# page 1 to every page). The same for a changes page.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 25

# Page 3 answers 500 to its first two requests: the run's one retry is not enough.
start_fake --movies 100 --deleted 0 --page-fault 3:500:2
run_ingest list top_rated --pages all --rate 0 --retries 1
is "$RC" 7 "page 3 failing through the retries: exit 7, TMDB or the network down"
like "$ERR" "top_rated page 3: HTTP 500" "names the page and the answer"
is "$(sql 'SELECT status, requested, fetched FROM runs')" "failed|40|40" \
    "the run is failed, with the 40 movies of pages 1 and 2"

run_ingest list top_rated --pages all --rate 0 --retries 1
is "$RC" 0 "the rerun: exit 0"
is "$(sql 'SELECT status, requested, skipped FROM runs WHERE id = 2')" "ok|60|40" \
    "it resumes: the 40 stored are skipped, the other 60 fetched"
fake_snapshot
is "$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d), max(d.values()))' \
    "$(fake_stat detail_requests_per_id)")" "100 1" "each of the 100 movies fetched once"

# A page that is not JSON (a 200 cut short) once: asked again, and the
# run goes on. (A result without a usable id is skipped and the rest of
# the page kept: t_page_bad_entry.sh.)
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:malformed:1
run_ingest --db "$TMP/once.sqlite3" list popular --pages all --rate 0
fake_snapshot
is "$RC:$(sqlite3 "$TMP/once.sqlite3" 'SELECT count(*) FROM movies')" "0:100" \
    "page 2 broken once: exit 0, all 100 movies stored"
is "$(fake_stat by_endpoint.list)" 6 "5 pages, page 2 asked twice"
is "$(sqlite3 "$TMP/once.sqlite3" 'SELECT status, http_requests, retries FROM runs')" \
    "ok|106|1" "the run is ok, the second request counted as a retry"

# TMDB's CDN answers 502, 503 and 504 with its own HTML page, not TMDB's
# JSON: asked again as a 5xx is, and the run goes on.
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:502html:1 --page-fault 3:503html:1 \
    --page-fault 4:504html:1
run_ingest --db "$TMP/html5xx.sqlite3" list popular --pages all --rate 0
is "$RC:$(sqlite3 "$TMP/html5xx.sqlite3" 'SELECT count(*) FROM movies')" "0:100" \
    "pages 2 to 4 a CDN's HTML 502, 503, 504 once: exit 0, all 100 movies stored"

# Broken on every request: the page's fault, not one result's; after the
# retries the run fails naming the page, the reason and the attempts.
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:malformed
run_ingest --db "$TMP/bad.sqlite3" list popular --pages all --rate 0 --retries 2
fake_snapshot
like "$RC:$ERR" "^7:.*popular page 2: bad payload: not a JSON object \(3 attempts\)" \
    "a page broken 3 times with --retries 2: exit 7, naming the page, the reason, the attempts"
is "$(fake_stat by_endpoint.list)" 4 "page 1 once, page 2 three times"
is "$(sqlite3 "$TMP/bad.sqlite3" 'SELECT status, fetched, retries FROM runs')" "failed|20|2" \
    "the run is failed, with the 20 movies of page 1 and the 2 retries"

# A cache that keys pages without their query string answers page 1 to
# every page ("page": 1 in the body): taken as pages 2 to 5, their
# movies were left out, the run ok with page 1's 20 of 100, exit 0. Not
# the page asked for: asked again as a broken page is.
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:first_page:1
run_ingest --db "$TMP/first1.sqlite3" list popular --pages all --rate 0
is "$RC:$(sqlite3 "$TMP/first1.sqlite3" 'SELECT count(*) FROM movies')" "0:100" \
    "page 2 answered once with page 1: asked again, exit 0, all 100 movies stored"
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:first_page --page-fault 3:first_page \
    --page-fault 4:first_page --page-fault 5:first_page
run_ingest --db "$TMP/first.sqlite3" list popular --pages all --rate 0 --retries 1
like "$RC:$ERR" "^7:.*popular page 2: bad payload: page 1 answered for page 2 \(2 attempts\)" \
    "every page answered with page 1: exit 7, naming the page asked for and the one answered"
is "$(sqlite3 "$TMP/first.sqlite3" 'SELECT status, fetched FROM runs')" "failed|20" \
    "the run is failed, not ok with page 1's 20 movies"

# changes: page 2 of the window (pages of 5 ids) cut short once and page 3
# a CDN's HTML page once (both answered 200), then page 2 on every request. The days are marked complete only when every page was read.
day() { date -u -d "$1 day" +%F; }
cursor() { sqlite3 "$TMP/changes.sqlite3" "SELECT value FROM meta WHERE key = 'changes_from'"; }
CAT="--movies 300 --deleted 0 --changes-page-size 5"
changes_run() { # changes_run [fake options]: changes over the last 3 days
    stop_fake
    start_fake $CAT "$@"
    rm -f "$TMP/changes.sqlite3"
    run_ingest --db "$TMP/changes.sqlite3" export --export-base "$FAKE_URL/p/exports" \
        --date "$(date -u +%F)" --rate 0
    sqlite3 "$TMP/changes.sqlite3" "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
    fake_reset
    run_ingest --db "$TMP/changes.sqlite3" changes --rate 0 --include-adult --retries 1
    fake_snapshot
}
"$PYTHON" "$FAKE" $CAT --dump-changes "$(day -3)" "$(day -1)" >"$TMP/expected"
pages=$((($(wc -l <"$TMP/expected") + 4) / 5))
diag "the fake reports $(wc -l <"$TMP/expected") ids changed from $(day -3) to $(day -1): $pages pages"
[ "$pages" -ge 3 ] || bail "the fake's changes make $pages pages; page 3 is needed"
changes_run --changes-page-fault 2:malformed:1 --changes-page-fault 3:html200:1
is "$RC:$(cursor)" "0:$(day 0)" \
    "changes, pages 2 and 3 broken once: exit 0, complete through yesterday"
is "$(fake_stat by_endpoint.changes):$(fake_stat by_endpoint.details)" \
    "$((pages + 2)):$(wc -l <"$TMP/expected" | tr -d ' ')" \
    "pages 2 and 3 asked twice, every changed movie fetched"
is "$(sqlite3 "$TMP/changes.sqlite3" 'SELECT status, retries FROM runs ORDER BY id DESC LIMIT 1')" \
    "ok|2" "the run is ok, the two retries counted"

changes_run --changes-page-fault 1:503html:1 --changes-page-fault 2:502html:1 \
    --changes-page-fault 3:504html:1
is "$RC:$(cursor)" "0:$(day 0)" \
    "changes, pages 1 to 3 a CDN's HTML 503, 502, 504 once: exit 0, complete through yesterday"
is "$(fake_stat by_endpoint.changes):$(fake_stat by_endpoint.details)" \
    "$((pages + 3)):$(wc -l <"$TMP/expected" | tr -d ' ')" \
    "pages 1 to 3 asked twice, every changed movie fetched"

changes_run --changes-page-fault 2:malformed
like "$RC:$ERR" "^7:.*changes $(day -3)\.\.$(day -1) page 2: bad payload: not a JSON object \(2 attempts\)" \
    "changes, page 2 broken twice with --retries 1: exit 7, naming the page, the attempts"
is "$(fake_stat by_endpoint.changes):$(cursor)" "3:$(day -3)" \
    "page 1 once, page 2 twice; the days are not marked complete"

# A changes page answered with page 1 marked the days complete without
# page 2's changes: they were never fetched, and no later run reads them.
changes_run --changes-page-fault 2:first_page
like "$RC:$ERR" "^7:.*changes $(day -3)\.\.$(day -1) page 2: bad payload: page 1 answered for page 2 \(2 attempts\)" \
    "changes, page 2 answered with page 1: exit 7, naming the page"
is "$(cursor)" "$(day -3)" "the days are not marked complete"

done_testing
