#!/bin/sh
# /movie/changes serves at most 500 pages of a window: a window with more
# is read in halves (down to single days), so no changed id is dropped.
# The fake serves one id per page here, so a few hundred changes in 14 days
# pass the cap. A single day over the cap cannot be split: an error, exit
# 1, that keeps the cursor and says to run export (40,000 movies make one).
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 8

FAKE_OPTS="--movies 3000 --deleted 0"
start_fake $FAKE_OPTS --changes-page-size 1
day() { date -u -d "$1 day" +%F; }
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -14)" "$(day -1)" | sort -n >"$TMP/expected"
n=$(wc -l <"$TMP/expected" | tr -d ' ')
diag "$n ids changed in 14 days: $n pages of one id, more than 500"
[ "$n" -gt 500 ]; ok $? "the window passes the 500-page cap ($n pages)"
# A database complete through 15 days ago (as after an export then).
run_ingest changes --since "$(day 0)" --rate 0
sql "INSERT INTO meta (key, value) VALUES ('changes_from', '$(day -14)')"
fake_reset
run_ingest changes --since "$(day -14)" --rate 0 --include-adult -v
is "$RC" 0 "exit 0"
like "$ERR" "reading it in halves" "the window over the cap is split"
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$(cmp -s "$TMP/fetched" "$TMP/expected" && echo same)" same "every changed id fetched, none dropped"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$(day 0)" "the cursor moves on"

start_fake --movies 40000 --deleted 0 --changes-page-size 1
sql "UPDATE meta SET value = '$(day -1)' WHERE key = 'changes_from'"
run_ingest changes --rate 0
is "$RC" 1 "one day over the cap: exit 1"
like "$ERR" "error: changes on $(day -1): [0-9]+ ids, more than TMDB serves for one day \(500 pages\); run export" \
    "says the day, how many ids, and to run export"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'"):$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" \
    "$(day -1):failed" "the cursor stays; the run failed"

done_testing
