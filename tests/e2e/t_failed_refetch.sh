#!/bin/sh
# A movie that cannot be fetched (5xx, timeouts, too large, a body that
# cannot be stored) must not hold the changes cursor for good. An export or
# changes run notes each movie it failed in stale_copies without a copy
# (copy_made_at NULL), needing one made from the day it marks its changes
# complete from; the run is partial (exit 3) and says so, but the cursor
# moves on. Every changes run fetches the noted movies again besides its
# days, also when it has no new day to read: a failure again keeps the note
# (and its noted_at, which the warning and stats show once it is older than
# the run), a success clears it. Before, the cursor stayed at the first
# failure: every night read a window a day longer, and after 90 days
# changes refused, pointing to an export that failed the same movie.
. "$(dirname "$0")/lib.sh"
# The runs below read days by this machine's clock: one that straddles
# midnight has a new day to read.
one_utc_day
plan 30

day() { date -u -d "$1 day" +%F; }
FAKE_OPTS="--movies 300 --deleted 5"
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
note() { sql "SELECT needed_from || '|' || coalesce(copy_made_at, 'none') FROM stale_copies WHERE movie_id = $1"; }
last_run() { sql "SELECT status || '|' || requested || '|' || failed FROM runs ORDER BY id DESC LIMIT 1"; }

# A live movie that changed in the last 10 days, neither adult nor video
# (an export leaves those out), and not the 8th the window lists (the
# result a spoiled changes page hides, below): the one that fails.
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -10)" "$(day -1)" | sed 8d >"$TMP/changed"
F=$("$PYTHON" "$FAKE" $FAKE_OPTS --dump-catalogue | "$PYTHON" -c '
import json, sys
changed = [int(line) for line in open(sys.argv[1])]
usable = set()
for line in sys.stdin:
    m = json.loads(line)
    if not (m["deleted"] or m["adult"] or m["video"]):
        usable.add(m["id"])
print(next(i for i in changed if i in usable))' "$TMP/changed")
[ -n "$F" ]; ok $? "a live movie changed in $(day -10)..$(day -1): $F"

# An export on a new database with one movie failing every time: the
# cursor is set all the same, the movie noted as needing a copy from the
# export's day.
start_fake $FAKE_OPTS --fault "$F:500"
run_ingest export --export-base "$FAKE_URL/p/exports" --rate 0 --retries 1
is "$RC:$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" "3:partial" \
    "export with a movie answering 500: exit 3, partial"
[ -n "$(cursor)" ]; ok $? "the export sets the cursor all the same ($(cursor))"
is "$(note "$F")" "$(cursor)T00:00:00Z|none" \
    "the movie is noted: no copy, one needed from the export's day"
like "$ERR" "warning: 1 movie\(s\) failed; noted in stale_copies: the next 'changes' run fetches them again, and they do not hold back the changes cursor" \
    "the run says so"
unlike "$ERR" "not marked complete" "and not that changes are not marked complete"

# changes: the days from day -10, with the movie failing again. The days
# are read, the cursor moves through yesterday; the movie stays noted,
# needing a copy from today (the end of the days read), noted since the
# export.
sql "UPDATE meta SET value = '$(day -10)' WHERE key = 'changes_from'"
noted_at=$(sql "SELECT noted_at FROM stale_copies WHERE movie_id = $F")
run_ingest changes --rate 0 --retries 1
is "$RC:$(cursor)" "3:$(day 0)" "changes with the movie failing: exit 3, and the cursor moves on"
is "$(note "$F")" "$(day 0)T00:00:00Z|none" "still noted, needing a copy from today"
is "$(sql "SELECT noted_at FROM stale_copies WHERE movie_id = $F")" "$noted_at" \
    "noted_at kept: it waits since the export"
like "$ERR" "1 movie\(s\) failed; noted in stale_copies" "the run says so"
is "$(sql "SELECT count(*) FROM stale_copies")" 1 "nothing else noted"

# The next night (here: at once, no new day): only the noted movie is
# fetched, fails again, stays noted; no day is read again.
fake_reset
run_ingest changes --rate 0 --retries 1
fake_snapshot
is "$RC:$(cursor):$(last_run)" "3:$(day 0):partial|1|1" \
    "again: exit 3, partial, only the noted movie requested, the cursor where it was"
is "$(fake_stat by_endpoint.details):$(fake_stat by_endpoint.changes)" "2:0" \
    "two requests for it (--retries 1), no changes page"
is "$(note "$F")" "$(day 0)T00:00:00Z|none" "it stays noted"

# A note that has waited for days: the warning and stats say since when.
sql "UPDATE stale_copies SET noted_at = '$(day -5)T03:00:00Z'"
run_ingest changes --rate 0 --retries 1
like "$ERR" "1 movie\(s\) failed; noted in stale_copies: .*; one has waited since $(day -5)" \
    "a movie failing night after night: the warning says since when"
run_ingest stats
like "$OUT" "1 movie\(s\) wait to be fetched again by the next changes run: 0 served copies older than their change \(TMDB's cache\), 1 without a copy \(failed, or left out by an export\); the oldest noted $(day -5)T03:00:00Z" \
    "stats says how many wait, how many failed, and since when"
run_ingest stats --format json
"$PYTHON" -c '
import json, sys
c = json.loads(sys.argv[1])["changes"]
sys.exit(0 if (c["stale_copies"], c["stale_copies_failed"], c["stale_copies_oldest_noted"])
         == (1, 1, sys.argv[2]) else 1)' "$OUT" "$(day -5)T03:00:00Z"
is "$?" 0 "stats --format json: changes.stale_copies, stale_copies_failed, stale_copies_oldest_noted"

# The fault is gone: the next changes run fetches it, stores it, clears
# the note, exit 0; the one after fetches nothing.
start_fake $FAKE_OPTS
run_ingest changes --rate 0 --retries 1
fake_snapshot
is "$RC:$(last_run)" "0:ok|1|0" "the fault gone: exit 0, the noted movie fetched"
is "$(sql "SELECT count(*) FROM movies WHERE id = $F AND deleted_at IS NULL")" 1 "and stored"
is "$(sql "SELECT count(*) FROM stale_copies")" 0 "its note cleared"
run_ingest changes --rate 0
is "$RC:$(last_run)" "0:ok|0|0" "the next run fetches nothing"
run_ingest stats --format json
"$PYTHON" -c '
import json, sys
c = json.loads(sys.argv[1])["changes"]
sys.exit(0 if (c["stale_copies"], c["stale_copies_failed"], c["stale_copies_oldest_noted"])
         == (0, 0, None) else 1)' "$OUT"
is "$?" 0 "stats --format json: none waits (stale_copies_oldest_noted null)"

# Other causes: a timeout (stall past --timeout), a body larger than
# --max-body, and well-formed JSON of the wrong shape (what TMDB answers
# may change without the movie changing): each noted, the cursor moves.
for fault in stall huge genres_int; do
    start_fake $FAKE_OPTS --fault "$F:$fault" --stall-seconds 5 --huge-mib 2
    sql "UPDATE meta SET value = '$(day -10)' WHERE key = 'changes_from'; DELETE FROM stale_copies"
    run_ingest changes --rate 0 --retries 0 --timeout 2 --max-body 1M
    is "$RC:$(cursor):$(note "$F")" "3:$(day 0):$(day 0)T00:00:00Z|none" \
        "$fault: exit 3, the cursor moves on, the movie noted"
done
like "$ERR" "1 movie\(s\) failed \(1 answered well-formed JSON of the wrong shape\); noted" \
    "the wrong shape is named as such"

# changes --shard K/N fetches its shard's notes only.
start_fake $FAKE_OPTS --fault "$F:500"
sql "DELETE FROM stale_copies"
other=$(sql "SELECT id FROM movies WHERE id % 2 != $F % 2 AND deleted_at IS NULL LIMIT 1")
sql "INSERT INTO stale_copies VALUES ($F, '$(day 0)T00:00:00Z', NULL, '$(day 0)T00:00:00Z'),
                                     ($other, '$(day 0)T00:00:00Z', NULL, '$(day 0)T00:00:00Z')"
fake_reset
run_ingest changes --rate 0 --retries 0 --shard "$((F % 2))/2"
fake_snapshot
is "$RC:$(fake_stat by_endpoint.details)" "3:1" "changes --shard: only its shard's noted movie fetched"
is "$(sql "SELECT group_concat(movie_id) FROM (SELECT movie_id FROM stale_copies ORDER BY movie_id)")" \
    "$(printf '%s\n' "$F" "$other" | sort -n | paste -sd,)" "both stay noted (the other shard's unfetched)"

# A result of a changes page without a usable id is no movie to note: it
# still holds the cursor (the next run reads the days again, as before),
# while the failed movie is noted all the same.
start_fake $FAKE_OPTS --fault "$F:500" --changes-page-size 5 --changes-page-fault 2:id_string:1 \
    --bad-result 3
sql "UPDATE meta SET value = '$(day -10)' WHERE key = 'changes_from'; DELETE FROM stale_copies"
run_ingest changes --rate 0 --retries 0
is "$RC:$(cursor):$(note "$F")" "3:$(day -10):$(day 0)T00:00:00Z|none" \
    "a bad result and a failed movie: exit 3, the cursor stays, the movie noted"
like "$ERR" "1 result\(s\) or line\(s\) without a usable movie id were skipped; changes are not marked complete \(the next changes run reads these days again\)" \
    "and the warning says why the cursor stays"

done_testing
