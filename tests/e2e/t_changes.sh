#!/bin/sh
# changes: after an export, fetch exactly the ids /movie/changes reports for
# the days since, through yesterday, in windows of at most 14 days (the
# fake refuses wider ones, as TMDB does); nothing on an immediate second
# run; a changed movie that now answers 404 is marked deleted; no cursor or
# one older than TMDB keeps is a clear usage error. The cursor moves only
# over an unbroken run of days: not after a --since later than it, nor
# after an export from a file of unknown day. A failed movie holds it,
# unless TMDB answered it with a body that cannot be stored (reading the
# same days again would not help). --since in the future, or further back
# than one run reads, is a usage error; changes --shard on a database of
# every shard does not move the cursor.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 78

FAKE_OPTS="--movies 300 --deleted 5"
start_fake $FAKE_OPTS
day() { date -u -d "$1 day" +%F; }

run_ingest changes --rate 0
is "$RC" 2 "changes on an empty database: exit 2"
like "$ERR" "run 'tmdb-ingest export' first, or give --since" "says what to do"

run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(date -u +%F)" --rate 0
is "$RC" 0 "export first"

# As if the export had run three days ago: changes reads those three days,
# through yesterday.
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$(day 0)" \
    "an export records the day it ran as the first day of changes to read"
sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -3)" "$(day -1)" | sort -n >"$TMP/expected"
diag "the fake reports $(wc -l <"$TMP/expected") ids changed from $(day -3) to $(day -1)"
fake_reset
run_ingest changes --rate 0
is "$RC" 0 "changes exits 0"
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$(cat "$TMP/fetched" | tr '\n' ' ')" "$(cat "$TMP/expected" | tr '\n' ' ')" \
    "fetched exactly the ids changed in the window"
is "$(fake_stat by_endpoint.details)" "$(wc -l <"$TMP/expected" | tr -d ' ')" "each once"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$(day 0)" \
    "the database is now complete through yesterday"

fake_reset
run_ingest changes --rate 0
is "$RC" 0 "an immediate second run exits 0"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "and fetches nothing"

# 30 days: three windows, none wider than the API allows. Adult movies
# are left out unless asked for, as export does.
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -30)" "$(day -1)" >"$TMP/expected30"
adult=$("$PYTHON" "$FAKE" $FAKE_OPTS --dump-catalogue | "$PYTHON" -c '
import json, sys
changed = {int(l) for l in open(sys.argv[1])}
print(sum(1 for l in sys.stdin if json.loads(l)["id"] in changed and json.loads(l)["adult"]))' \
    "$TMP/expected30")
fake_reset
run_ingest changes --since "$(day -30)" --rate 0 --include-adult
is "$RC" 0 "30 days of changes: exit 0 (windows of at most 14 days)"
fake_snapshot
is "$(fake_stat by_endpoint.details)" "$(wc -l <"$TMP/expected30" | tr -d ' ')" \
    "every id changed in 30 days fetched once (--include-adult)"
fake_reset
run_ingest changes --since "$(day -30)" --rate 0
fake_snapshot
is "$(fake_stat by_endpoint.details)" "$(($(wc -l <"$TMP/expected30") - adult))" \
    "without --include-adult the $adult adult movie(s) are left out"
# ... and the run before, with --include-adult, stored them: left out, they
# would stay as they are night after night without a word (a changes line
# in a crontab that lacks the export line's --include-adult).
like "$adult:$ERR" "^[1-9][0-9]*:.*$adult adult movie\(s\) stored here changed and were not fetched: .*add --include-adult" \
    "and says how many of them the database holds, and what to add"
# A --shard run counts only its own shard's: the others' it would not
# fetch with --include-adult either. (The first shard count that splits
# the changed adult movies.)
set -- $("$PYTHON" "$FAKE" $FAKE_OPTS --dump-catalogue | "$PYTHON" -c '
import json, sys
changed = {int(l) for l in open(sys.argv[1])}
ids = [m["id"] for m in map(json.loads, sys.stdin) if m["id"] in changed and m["adult"]]
for n in range(2, 64):
    mine = [i for i in ids if i % n == ids[0] % n]
    if len(mine) < len(ids):
        print(ids[0] % n, n, len(mine))
        break' "$TMP/expected30")
[ $# -eq 3 ] || bail "no shard count splits the $adult adult movie(s)"
run_ingest changes --since "$(day -30)" --rate 0 --shard "$1/$2"
like "$ERR" "warning: $3 adult movie\(s\) stored here changed and were not fetched: " \
    "with --shard $1/$2, only the shard's own adult movies ($3 of $adult)"
run_ingest changes --since "$(day -30)" --rate 0 --include-adult
unlike "$ERR" "adult movie" "with --include-adult, nothing said of them"

# A stored movie that changed and now answers 404 is marked deleted.
victim=$(sql "SELECT id FROM movies WHERE id IN ($(tr '\n' ',' <"$TMP/expected")0) LIMIT 1")
stop_fake
start_fake $FAKE_OPTS --fault "$victim:404:1000"
run_ingest changes --since "$(day -3)" --rate 0
is "$RC" 0 "a changed movie answering 404 is not a failure"
is "$(sql "SELECT deleted_at IS NOT NULL FROM movies WHERE id = $victim")" 1 \
    "it is marked deleted"

# --since later than the cursor leaves the days between unread: the
# cursor stays where it was.
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
sql "UPDATE meta SET value = '$(day -10)' WHERE key = 'changes_from'"
run_ingest changes --since "$(day -3)" --rate 0
is "$RC:$(cursor)" "0:$(day -10)" "changes --since after the cursor: exit 0, the cursor stays"
like "$ERR" "changes are not marked complete" "and says so"
run_ingest changes --since "$(day -12)" --rate 0
is "$(cursor)" "$(day 0)" "--since at or before the cursor: complete through yesterday"

# An export file named without its day may be months old.
"$PYTHON" "$FAKE" $FAKE_OPTS --write-export "$TMP/catalogue.json.gz"
sql "UPDATE meta SET value = '$(day -10)' WHERE key = 'changes_from'"
run_ingest export --file "$TMP/catalogue.json.gz" --rate 0
is "$RC:$(cursor)" "0:$(day -10)" "export --file of unknown day: exit 0, the cursor stays"
like "$ERR" "day is unknown, so .* changes are not marked complete" "and says so"
is "$(printf '%s\n' "$ERR" | grep -c 'warning')" 1 "once: one warning for the one cause"
"$BIN" --db "$TMP/nocursor.sqlite3" --no-progress changes --since "$(day -2)" --rate 0 \
    2>/dev/null
is "$(sqlite3 "$TMP/nocursor.sqlite3" "SELECT count(*) FROM meta WHERE key = 'changes_from'")" 0 \
    "changes --since on a database with no export sets no cursor"

changed=$(head -n 1 "$TMP/expected")
for fault in genres_int 500 html200 truncated bad_utf8; do
    stop_fake
    start_fake $FAKE_OPTS --fault "$changed:$fault"
    sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
    sql "DELETE FROM stale_copies"
    run_ingest changes --rate 0 --retries 0 --include-adult
    # t_failed_refetch.sh: noted, fetched again by the next changes run
    is "$RC:$(cursor):$(sql "SELECT movie_id FROM stale_copies WHERE copy_made_at IS NULL")" \
        "3:$(day 0):$changed" "$fault to the last attempt: exit 3, noted, the cursor moves on"
    like "$ERR" "1 movie\(s\) failed.*; noted in stale_copies: the next 'changes' run fetches them again, and they do not hold back the changes cursor" \
        "$fault: and says so"
done
sql "DELETE FROM stale_copies"

# A cursor older than TMDB keeps changes for: a usage error suggesting export.
sql "UPDATE meta SET value = '$(day -120)' WHERE key = 'changes_from'"
run_ingest changes --rate 0
is "$RC" 2 "a cursor 120 days old: exit 2"
like "$ERR" "Run 'tmdb-ingest export'" "suggests export"
like "$ERR" "holds changes only through $(day -121)," "and names the last day it holds"

# --since out of range: usage errors, no run recorded.
runs() { sql 'SELECT count(*) FROM runs'; }
before=$(runs)
run_ingest changes --since "$(day 1)" --rate 0
is "$RC" 2 "--since tomorrow: exit 2"
like "$ERR" "--since $(day 1) is in the future" "and says so"
run_ingest changes --since "$(day -500)" --rate 0
is "$RC" 2 "--since 500 days ago: exit 2"
like "$ERR" "500 days is too long a range for changes \(at most 448\); run 'tmdb-ingest export' instead" \
    "and says what to do"
is "$(runs)" "$before" "no run recorded for either"
sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
run_ingest -v changes --since "$(day 0)" --rate 0
is "$RC:$(cursor)" "0:$(day -3)" "--since today: nothing read, the cursor stays"
like "$ERR" "--since $(day 0): nothing to read yet" "and says so, not that the days are complete"
unlike "$ERR" "complete through" "no claim of completeness"

# changes --shard: on a database of every shard the other shards' changed
# movies were not fetched, so the cursor stays; on a database of its
# shard only it moves. The warning is about the run's setup, said at every
# run until it changes: written with -q too (log_warn_setup()).
stop_fake
start_fake $FAKE_OPTS
sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'"
run_ingest -q changes --shard 0/2 --rate 0
is "$RC:$(cursor)" "0:$(day -3)" "changes --shard 0/2 on every shard: exit 0, the cursor stays"
like "$ERR" "holds movies of others: changes are not marked complete" "and says why, with -q too"
sql 'DELETE FROM movies WHERE id % 2 = 1'
run_ingest changes --shard 0/2 --rate 0
is "$RC:$(cursor)" "0:$(day 0)" "on a database of shard 0/2 only: the cursor moves"

# A cursor after today: only a run whose clock was ahead sets one. Going on
# would skip the days it marked without reading them.
sql "UPDATE meta SET value = '$(day 3)' WHERE key = 'changes_from'"
run_ingest changes --rate 0
is "$RC:$(cursor)" "2:$(day 3)" "a cursor after today: exit 2, nothing moved"
like "$ERR" "complete through $(day 2), but today is $(day 0) \(UTC\): this machine's clock is behind \(set it right, and run again\), or a run with its clock ahead" \
    "and says why"
like "$ERR" "if unsure, two weeks back: --since $(day -14)\)" "and what to run"
run_ingest changes --since "$(day -3)" --rate 0
is "$RC:$(cursor)" "0:$(day 0)" "changes --since: reads the days, the cursor back to today"
like "$ERR" "the changes cursor was $(day 3), after today: set back to $(day 0)" "and says so"
EXPORT=$TMP/movie_ids_$(date -u +%m_%d_%Y).json.gz
"$PYTHON" "$FAKE" $FAKE_OPTS --write-export "$EXPORT"
sql "UPDATE meta SET value = '$(day 3)' WHERE key = 'changes_from'"
run_ingest export --file "$EXPORT" --rate 0
is "$RC:$(cursor)" "0:$(day 0)" "an export of today also puts a cursor after today back"
like "$ERR" "the changes cursor was $(day 3), after today: set back to $(day 0)" "and says so"

# A clock days ahead of TMDB's (a VM before NTP) would mark days complete
# that have not ended: the first answer's Date header gives TMDB's clock.
stop_fake
start_fake $FAKE_OPTS --clock-offset -259200
sql "UPDATE meta SET value = '$(day -2)' WHERE key = 'changes_from'"
run_ingest changes --rate 0
# (4319 minutes when this machine's clock passed a second between the
# fake's Date header, in whole seconds, and the tool's reading: under ASan)
is "$RC:$(cursor)" "1:$(day -2)" "a clock 3 days ahead of TMDB's: exit 1, the cursor stays"
like "$ERR" "this machine's clock reads $(day 0) [0-9:]+ UTC, TMDB's $(day -3) [0-9:]+ UTC \(its Date header, plus Age when a cache kept it\): 43(19|20) minutes apart" \
    "and says whose clock says what"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is failed"
stop_fake
start_fake $FAKE_OPTS --clock-offset 300
run_ingest changes --rate 0
is "$RC:$(cursor)" "0:$(day 0)" "five minutes apart: read as usual"
# TMDB's 200s are cacheable for hours: from CloudFront's cache, Date is when
# the origin made the answer and Age how long ago that was. Not a clock off.
# (--stale-details: the Age is not capped at the time since midnight; a
# changes page's is, from 00:00 to 05:00 UTC, as a copy that lists every
# change of yesterday was made today.)
stop_fake
start_fake $FAKE_OPTS --cache-age 18000 --stale-details
sql "UPDATE meta SET value = '$(day -2)' WHERE key = 'changes_from'"
run_ingest changes --rate 0
is "$RC:$(cursor)" "0:$(day 0)" "an answer from the CDN's cache (Date 5 h old, Age: 18000): read as usual"
run_ingest export --export-base "$FAKE_URL/p/exports" --rate 0 --max-age 1h
is "$RC" 0 "export of the newest file, /configuration from the CDN's cache: read as usual"
# export without --file or --date picks the newest file by the same clock:
# days behind, it would read an old one. Checked on the /configuration
# answer; a file named by hand does not depend on the clock.
stop_fake
start_fake $FAKE_OPTS --clock-offset 259200
run_ingest export --export-base "$FAKE_URL/p/exports" --rate 0
is "$RC:$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" "1:failed" \
    "export of the newest file with a clock 3 days behind TMDB's: exit 1, run failed"
like "$ERR" "43(19|20) minutes apart\. export picks the newest file by UTC day" "and says why"
run_ingest export --file "$EXPORT" --rate 0
is "$RC" 0 "export --file with the same clock: read as usual"
# Its answers' Date, 3 days ahead, is no copy's: the movies are stored with
# no copy time, which counts as their fetch's, so a later copy older than
# that fetch (an hour old, from the CDN) is noted and fetched again by the
# next changes run. Not what the blocks below count: dated as the fake's
# copies of today are at the oldest, 00:00 UTC.
sql "UPDATE movies SET copy_made_at = substr(fetched_at, 1, 11) || '00:00:00Z' WHERE copy_made_at IS NULL"

# A changes page from a copy TMDB's CDN made before its window ended lists
# none of the changes made after the copy: here one made at 00:01 UTC
# yesterday lists the day before's changes and yesterday's first minute's
# (on some days one of them), not the rest of yesterday's. The cursor
# stops at yesterday, and the next run, from a fresh copy, reads it again.
stop_fake
since_midnight=$(($(date -u +%s) % 86400))
start_fake $FAKE_OPTS --changes-cache-age $((since_midnight + 86400 - 60))
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -1)" "$(day -1)" | sort -n >"$TMP/day1"
# The movies earlier steps noted (a details copy 5 h old, older than a
# change made late yesterday: so in the first hours after midnight) would
# be fetched too, besides the days: this step is about the page's copy.
sql "UPDATE meta SET value = '$(day -2)' WHERE key = 'changes_from'; DELETE FROM stale_copies"
run_ingest changes --rate 0
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$RC:$(cursor)" "0:$(day -1)" \
    "changes pages from a copy made yesterday at 00:01: exit 0, the cursor stops at yesterday"
# what a copy made when the run's warning says lists (the copy's time moves
# with the seconds the test has run: its age is fixed)
made=$(printf '%s\n' "$ERR" | sed -n 's/.*from a copy made \([0-9T:-]*Z\), before.*/\1/p')
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -2)" "$(day -1)" \
    --dump-changes-as-of "$(date -u -d "${made:-1970-01-01}" +%s)" | sort -n >"$TMP/listed"
[ -s "$TMP/listed" ] && cmp -s "$TMP/fetched" "$TMP/listed"
ok $? "it fetched the changes the copy lists: the day before's ($(wc -l <"$TMP/listed" | tr -d ' '))"
like "$ERR" "TMDB's cache served a changes page from a copy made $(day -1)T00:0[0-9]:[0-9][0-9]Z, before the days it lists ended: changes are marked complete only up to that day" \
    "and says why"
stop_fake
start_fake $FAKE_OPTS
run_ingest changes --rate 0
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$RC:$(cursor)" "0:$(day 0)" "the next run, from a fresh copy: the cursor moves on"
[ -s "$TMP/day1" ] && cmp -s "$TMP/fetched" "$TMP/day1"
ok $? "and it fetched yesterday's changes ($(wc -l <"$TMP/day1" | tr -d ' '))"

# A copy made after its window ended is whole, however old: 20 days read in
# two windows, the first (ending 7 days ago) from a copy made 3 days ago,
# the second (ending yesterday) from a fresh one. The cursor moves to today.
stop_fake
start_fake $FAKE_OPTS --changes-cache-age $((since_midnight + 3 * 86400 - 60)) \
    --changes-cache-before "$(day -1)"
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -20)" "$(day -1)" | sort -n >"$TMP/days20"
sql "UPDATE meta SET value = '$(day -20)' WHERE key = 'changes_from'"
run_ingest changes --rate 0 --include-adult
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$RC:$(cursor)" "0:$(day 0)" \
    "an old copy of a window made after it ended: the cursor still moves to today"
unlike "$ERR" "TMDB's cache served a changes page" "and nothing is said of it"
[ -s "$TMP/days20" ] && cmp -s "$TMP/fetched" "$TMP/days20"
ok $? "it fetched the 20 days' changes ($(wc -l <"$TMP/days20" | tr -d ' '), adult ones too)"

# Each window from an old copy, made on its own last day (00:01 UTC): of
# the same 20 days, the first window's from 7 days ago, the second's from
# yesterday. The earliest copy holds the cursor, at the first window's
# last day (the later one's would leave that day's last changes unread).
stop_fake
start_fake $FAKE_OPTS --changes-copy-on-last-day 60
sql "UPDATE meta SET value = '$(day -20)' WHERE key = 'changes_from'"
run_ingest changes --rate 0 --include-adult
is "$RC:$(cursor)" "0:$(day -7)" \
    "two windows, each from a copy made on its last day: the cursor stops at the earlier copy's"
like "$ERR" "from a copy made $(day -7)T00:0[0-9]:[0-9][0-9]Z, before the days it lists ended" \
    "the warning names that copy"

# TMDB's CDN caches each page's URL on its own, so the pages of one window
# may come from copies of different ages. As the list grew between them,
# its results moved between pages: a movie changed days before the older
# copy may be on a page of neither (here page 1 from a fresh copy, the
# others from one made yesterday at 00:01 UTC, 4 results a page). The days
# such a window covers are not complete: the cursor stays at its first day,
# and every movie changed before the cursor was fetched.
stop_fake
since_midnight=$(($(date -u +%s) % 86400))
ages=
for n in $(seq 2 40); do ages="$ages --changes-page-cache-age $n:$((since_midnight + 86400 - 60))"; done
# shellcheck disable=SC2086
start_fake $FAKE_OPTS --changes-page-size 4 $ages
sql "UPDATE meta SET value = '$(day -3)' WHERE key = 'changes_from'; DELETE FROM stale_copies"
fake_reset
run_ingest changes --rate 0 --include-adult
fake_snapshot
fake_stat detail_requests_per_id | "$PYTHON" -c '
import json, sys
print("\n".join(json.load(sys.stdin)))' | sort >"$TMP/fetched"
from=$(cursor)
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -3)" "$(date -u -d "$from -1 day" +%F)" |
    sort >"$TMP/before_cursor"
is "$RC:$(comm -23 "$TMP/before_cursor" "$TMP/fetched" | tr '\n' ' ')" "0:" \
    "pages of one window from copies of different ages: every movie changed before the cursor ($from) fetched"
is "$from" "$(day -3)" "the cursor stays at the window's first day"
like "$ERR" "served the pages of changes from $(day -3) from copies made at different times, .*complete only up to $(day -3)" \
    "and says why"

done_testing
