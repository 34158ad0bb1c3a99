#!/bin/sh
# export --max-deletions: a well-formed export that lost most of its lines
# (TMDB published it cut short) must not mark the catalogue deleted. When
# more stored movies are missing from it than the limit allows (default
# 10 % of the stored movies, at least 100), none is marked, the run is
# 'partial', exit 3, the changes cursor stays, and the message says how to
# accept them; a count or a percentage sets the limit.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 36

start_fake --movies 300 --deleted 0
EXPORT_BASE="$FAKE_URL/p/exports"
TODAY=$(date -u +%F)
OLD=$(date -u -d '-20 day' +%F)
# The cursor 10 days before the fetches: a run that moved it would move it
# to their day at least.
CURSOR=$(date -u -d '-30 day' +%F)
curl -s -o "$TMP/export.gz" "$EXPORT_BASE/movie_ids_$(date -u +%m_%d_%Y).json.gz"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
is "$RC" 0 "the first export loads the catalogue"
LIVE=$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NULL AND adult = 0')
diag "$LIVE movies stored"

cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
deleted() { sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL'; }
last_run() { sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1'; }
# age_all: every movie fetched 20 days ago, none deleted, the cursor 30
# days back.
age_all() {
    sql "UPDATE movies SET fetched_at = '${OLD}T05:00:00Z', deleted_at = NULL;
         UPDATE meta SET value = '$CURSOR' WHERE key = 'changes_from'"
}
# export_keeping N FILE: today's export with only its first N lines (today's
# date in the name, in a directory of its own).
export_keeping() {
    mkdir -p "$TMP/$2"
    gzip -dc "$TMP/export.gz" | head -n "$1" | gzip >"$TMP/$2/movie_ids_$(date -u +%m_%d_%Y).json.gz"
    echo "$TMP/$2/movie_ids_$(date -u +%m_%d_%Y).json.gz"
}
# gone_from FILE: how many stored live movies FILE does not name.
gone_from() {
    sql 'SELECT id FROM movies WHERE deleted_at IS NULL AND adult = 0' >"$TMP/stored"
    gzip -dc "$1" | "$PYTHON" -c '
import json, sys
named = {json.loads(l)["id"] for l in sys.stdin if l.strip()}
print(sum(1 for l in open(sys.argv[1]) if int(l) not in named))' "$TMP/stored"
}

# A cut-short export: 50 lines of 300.
age_all
SHORT=$(export_keeping 50 short)
GONE=$(gone_from "$SHORT")
diag "the short export misses $GONE of them"
run_ingest export --file "$SHORT" --rate 0
is "$RC" 3 "more missing than the default allows: exit 3"
like "$ERR" "$GONE of the $LIVE stored movies \([0-9.]+%\) are not in the export, more than --max-deletions allows \(100\): none is marked deleted" \
    "the message gives the counts and the limit"
like "$ERR" "run again with --max-deletions $GONE \(and --max-age 1d" "and how to accept them"
is "$(deleted)" 0 "nothing marked deleted"
is "$(last_run)" partial "the run is recorded as partial"
is "$(cursor)" "$CURSOR" "the changes cursor did not move"
like "$ERR" "run [0-9]+ partial" "the summary says partial"
# -q: the run turns partial only at its end, once the export is read; the
# warnings it held back until then (here: an earlier run died) say why too
age_all
sql "UPDATE runs SET status = 'running' WHERE id = (SELECT max(id) FROM runs)"
run_ingest -q export --file "$SHORT" --rate 0
is "$RC" 3 "-q, deletions held: exit 3"
like "$ERR" "warning: 1 earlier run\(s\) had died without finishing .*; marked aborted" \
    "and the warnings held back are written"
like "$(printf '%s\n' "$ERR" | tail -n 1)" "^tmdb-ingest: run [0-9]+ partial: " \
    "before the summary line, which comes last"

# The advice keeps the run's own --max-age, if over a day: 1d would fetch
# again what this run skipped as fresh (a whole catalogue, for a weekly
# export --max-age 6d).
age_all
run_ingest export --file "$SHORT" --rate 0 --max-age 3w
like "$ERR" "run again with --max-deletions $GONE \(and --max-age 3w not" \
    "the advice keeps --max-age 3w"
age_all
run_ingest export --file "$SHORT" --rate 0 --max-age 36h
like "$ERR" "\(and --max-age 36h not" "and --max-age 36h"

# A count one short of what is missing: still held; exactly: marked.
age_all
run_ingest export --file "$SHORT" --rate 0 --max-deletions $((GONE - 1))
is "$RC:$(deleted)" "3:0" "--max-deletions $((GONE - 1)): held"
run_ingest -v export --file "$SHORT" --rate 0 --max-deletions "$GONE"
is "$RC" 0 "--max-deletions $GONE: exit 0"
is "$(deleted)" "$GONE" "all $GONE marked deleted"
is "$(last_run)" ok "the run is ok"
like "$ERR" "$GONE movie\(s\) stored before $TODAY are no longer in the export: marked deleted" \
    "and says how many it marked (-v)"
is "$(cursor)" "$TODAY" "the cursor moves to the export's day"

# Percentages of the stored movies.
age_all
run_ingest export --file "$SHORT" --rate 0 --max-deletions 50%
is "$RC:$(deleted)" "3:0" "--max-deletions 50%: held (more than half is missing)"
like "$ERR" "more than --max-deletions allows \($((LIVE / 2))\)" "50% of $LIVE is $((LIVE / 2))"
run_ingest export --file "$SHORT" --rate 0 --max-deletions 100%
is "$RC:$(deleted)" "0:$GONE" "--max-deletions 100%: marked"

# A normal day: a few missing, well under the default.
age_all
FEW=$(export_keeping $(($(gzip -dc "$TMP/export.gz" | wc -l) - 3)) few)
FEW_GONE=$(gone_from "$FEW")
run_ingest export --file "$FEW" --rate 0
is "$RC:$(deleted)" "0:$FEW_GONE" "$FEW_GONE missing of $LIVE: marked under the default limit"
# --max-deletions 0: never mark any.
age_all
run_ingest export --file "$FEW" --rate 0 --max-deletions 0
is "$RC:$(deleted)" "3:0" "--max-deletions 0: held"

# Held, with a movie that failed: both are said.
FAILING=$(gzip -dc "$SHORT" | "$PYTHON" -c '
import json, sys
print(next(e["id"] for e in map(json.loads, sys.stdin) if not e["adult"] and not e["video"]))')
stop_fake
start_fake --movies 300 --deleted 0 --fault "$FAILING:500"
age_all
run_ingest export --file "$SHORT" --rate 0 --retries 0
is "$RC:$(deleted):$(cursor)" "3:0:$CURSOR" "held with a failed movie: exit 3, nothing marked, cursor kept"
like "$ERR" "none is marked deleted" "says the deletions were held"
like "$ERR" "1 movie\(s\) failed; noted in stale_copies: the next 'changes' run fetches them again" \
    "and still names the failure, noted (t_failed_refetch.sh)"
like "$ERR" "run again with --max-deletions [0-9]* \(and --max-age 1d not to fetch again what this run fetched\)" \
    "and advises an export again that skips what this one fetched"
is "$(last_run)" partial "the run is partial"
age_all
run_ingest export --file "$SHORT" --rate 0 --retries 0 --max-age 6d
like "$ERR" "--max-age 6d not to fetch again" "the advice keeps the run's own --max-age"

# --include-adult, and TMDB's adult export holds no entry (a whole gzip
# file of nothing): not taken as its adult list, or every stored adult
# movie would look deleted, fewer than the limit allows (as a --file
# without an adult entry is not).
stop_fake
start_fake --movies 300 --deleted 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --include-adult \
    --max-age 3w
ADULT=$(sql 'SELECT count(*) FROM movies WHERE adult = 1 AND deleted_at IS NULL')
ok "$([ "$ADULT" -gt 0 ] && [ "$ADULT" -lt 100 ] && echo 0 || echo 1)" \
    "an export with --include-adult stores $ADULT adult movies (fewer than the default limit)"
stop_fake
start_fake --movies 300 --deleted 0 --adult-export-empty
age_all
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --include-adult \
    --max-age 3w
is "$RC:$(sql 'SELECT count(*) FROM movies WHERE adult = 1 AND deleted_at IS NULL')" "0:$ADULT" \
    "an empty adult export marks no stored adult movie deleted"
like "$ERR" "the adult export holds no movie entries" "and says so"

# Only export takes it.
run_ingest changes --max-deletions 5
is "$RC" 2 "changes --max-deletions: usage error"
like "$ERR" "apply to the export command only" "and says so"
run_ingest export --file "$SHORT" --max-deletions 5x
like "$RC:$ERR" "^2:.*--max-deletions wants a count \(500\) or a percentage" "a bad value: usage error"

done_testing
