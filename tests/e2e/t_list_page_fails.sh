#!/bin/sh
# A list page that keeps failing ends the run (failed, exit 1) after the
# movies of the pages before it; the rerun resumes: it reads the pages
# again and fetches only what the failed run did not settle. So does a
# page that is not JSON.
. "$(dirname "$0")/lib.sh"
plan 7

# Page 3 answers 500 to its first two requests: the run's one retry is not enough.
start_fake --movies 100 --deleted 0 --page-fault 3:500:2
run_ingest list top_rated --pages all --rate 0 --retries 1
is "$RC" 1 "page 3 failing: exit 1"
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

# A page that is not JSON at all (a 200 cut short) is the page's fault, not
# one result's: the run fails naming the page. (A result without a usable
# id is skipped and the rest of the page kept: t_page_bad_entry.sh.)
stop_fake
start_fake --movies 100 --deleted 0 --page-fault 2:malformed
run_ingest --db "$TMP/bad.sqlite3" list popular --pages all --rate 0
like "$RC:$ERR" "^1:.*popular page 2: bad payload: not a JSON object" \
    "a page cut short: exit 1, naming the page"

done_testing
