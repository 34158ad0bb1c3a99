#!/bin/sh
# One result of a list page or a changes page without a usable id (a
# string, none, 0, a bare number) is skipped with a warning naming the page,
# the position and why, counted as failed: the other movies of that page and
# of every later page are stored, the run is partial, exit 3, as for a bad
# `ids -` token or export line. A page that is not JSON at all is another
# fault: the run fails naming it (t_list_page_fails.sh).
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 24

# list: result 7 of page 3 (of 5) has the id "550", on the first request only.
CAT="--movies 100 --deleted 0"
start_fake $CAT --page-fault 3:id_string:1 --bad-result 7
run_ingest list top_rated --pages all --rate 0
is "$RC" 3 "list, a result of page 3 with a string id: exit 3"
like "$ERR" "warning: top_rated, result 7 of page 3: id is a string; skipped" \
    "the warning names the page, the position and why"
is "$(sql 'SELECT status, requested, fetched, failed FROM runs')" "partial|99|99|1" \
    "the run is partial: 99 stored, the bad result counted as failed"
# The page as it is now (the fault was for one request): its 7th result.
victim=$(curl -s -H "Authorization: Bearer $TEST_TOKEN" "$FAKE_URL/3/movie/top_rated?page=3" |
    "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["results"][6]["id"])')
expected=$(catalogue_ids 100 $CAT | tr ' ' '\n' | grep -vx "$victim" | sort -n | tr '\n' ' ')
is "$(sql 'SELECT id FROM movies ORDER BY id' | tr '\n' ' ')" "$expected" \
    "every movie of the list but the one behind the bad result is stored (pages 3, 4, 5 too)"
like "$OUT$ERR" "run 1 partial: requested=99 stored=99 missing=0 failed=1" \
    "the summary line counts it as failed"

# The rerun: a partial run is a finished one, not resumed; with the page
# whole again it reads every page and stores the missing movie: exit 0.
run_ingest list top_rated --pages all --rate 0
is "$RC:$(sql 'SELECT status, requested, failed FROM runs WHERE id = 2')" "0:ok|100|0" \
    "the rerun, the page whole again: exit 0, ok, 100 requested"
is "$(sql "SELECT count(*) FROM movies WHERE id = $victim"):$(sql 'SELECT count(*) FROM movies')" \
    "1:100" "it stored the missing movie: all 100"

# Each kind of unusable result, on every request: skipped, named, exit 3.
for kind in no_id:"id is missing" id_null:"id is null" id_zero:"id is not positive" \
    id_float:"id is not a whole number" id_huge:"id is too large" \
    not_object:"result is not an object"; do
    stop_fake
    start_fake $CAT --page-fault "2:${kind%%:*}" --bad-result 20
    rm -f "$TMP/kind.sqlite3"
    run_ingest --db "$TMP/kind.sqlite3" list popular --pages 3 --rate 0
    like "$RC:$ERR" "^3:.*popular, result 20 of page 2: ${kind#*:}; skipped" \
        "${kind%%:*}: exit 3, named"
done
is "$(sqlite3 "$TMP/kind.sqlite3" 'SELECT count(*) FROM movies')" 59 \
    "the other 59 movies of the three pages stored"

# A dry run counts it too.
run_ingest --db "$TMP/dry.sqlite3" list popular --pages 3 --rate 0 --dry-run
like "$RC:$OUT" "^3:.*would fetch 59 movie\(s\).*failed=1" "a dry run: 59 to fetch, failed=1, exit 3"

# One on every page: the first 5 named, then how many in all.
stop_fake
start_fake --movies 140 --deleted 0 $(for n in 1 2 3 4 5 6 7; do echo "--page-fault $n:id_zero"; done)
rm -f "$TMP/kind.sqlite3"
run_ingest --db "$TMP/kind.sqlite3" list now_playing --pages all --rate 0
is "$RC:$(printf '%s\n' "$ERR" | grep -c 'result 1 of page')" "3:5" \
    "a bad result on each of 7 pages: exit 3, the first 5 named"
like "$ERR" "now_playing: 7 result\(s\) without a usable movie id were skipped \(the first 5 named above\)" \
    "then the count"
is "$(sqlite3 "$TMP/kind.sqlite3" 'SELECT status, fetched, failed FROM runs')" "partial|133|7" \
    "the other 133 stored, 7 failed"

# changes: result 3 of page 2 of the window (pages of 5 ids: 4 pages), once. The
# days are read again by the next run: the cursor stays until then.
day() { date -u -d "$1 day" +%F; }
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
CAT="--movies 300 --deleted 0 --changes-page-size 5"
stop_fake
start_fake $CAT --changes-page-fault 2:id_string:1 --bad-result 3
DB=$TMP/changes.sqlite3
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(date -u +%F)" --rate 0
sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
"$PYTHON" "$FAKE" $CAT --dump-changes "$(day -3)" "$(day -1)" >"$TMP/expected"
diag "the fake reports $(wc -l <"$TMP/expected") ids changed from $(day -3) to $(day -1)"
victim=$(sed -n 8p "$TMP/expected")
fetched() {
    fake_snapshot
    fake_stat detail_requests_per_id | "$PYTHON" -c '
import json, sys
print(" ".join(sorted(json.load(sys.stdin), key=int)))'
}
fake_reset
run_ingest changes --rate 0 --include-adult
is "$RC" 3 "changes, a result of page 2 with a string id: exit 3"
like "$ERR" "warning: changes $(day -3)\.\.$(day -1), result 3 of page 2: id is a string; skipped" \
    "the warning names the window, the page, the position and why"
is "$(fetched)" "$(grep -vx "$victim" "$TMP/expected" | tr '\n' ' ' | sed 's/ $//')" \
    "every changed id but the one behind the bad result is fetched (later pages too)"
is "$(sql 'SELECT status, failed FROM runs ORDER BY id DESC LIMIT 1'):$(cursor)" \
    "partial|1:$(day -3)" "the run is partial, and the days are not marked complete"
fake_reset
run_ingest changes --rate 0 --include-adult
is "$RC:$(cursor)" "0:$(day 0)" "the rerun, the page whole again: exit 0, complete through yesterday"
like " $(fetched) " " $victim " "it fetched the movie the bad result hid"

done_testing
