#!/bin/sh
# kill -9 during an export, then the same command again: every id stored
# once, and the detail requests of both runs together are at most the
# catalogue plus what one crash can lose: one uncommitted batch (--batch)
# plus what was in flight (workers) or parsed and queued for the writer
# (4 per worker). A movie the killed run found deleted (404) is asked again
# by the resumed export, whose file lists it: back on TMDB, it is live
# again (it was skipped as settled, and stayed deleted).
. "$(dirname "$0")/lib.sh"
plan 10

N=400
BATCH=40
WORKERS=4
start_fake --movies $N --deleted 0 --latency-ms 20
CMD="export --export-base $FAKE_URL/p/exports --rate 0 --workers $WORKERS --batch $BATCH"
"$BIN" --db "$DB" --no-progress $CMD </dev/null >/dev/null 2>&1 &
pid=$!
# Kill once some movies are committed, well before the end.
wait_for_movies 100 "$pid"
kill -9 "$pid"
wait "$pid" 2>/dev/null
stored=$(sql 'SELECT count(*) FROM movies')
fake_snapshot
first=$(fake_stat by_endpoint.details)
diag "killed after $first detail requests with $stored movies committed"
[ "$stored" -ge 100 ] && [ "$stored" -lt 300 ]
ok $? "the first run was killed part-way ($stored stored)"

fake_reset
run_ingest $CMD -v
is "$RC" 0 "the same command again exits 0"
like "$ERR" "resuming after run 1: $stored movies" "it resumes the killed run"
expected=$(sql 'SELECT requested + skipped FROM runs WHERE id = 2')
is "$(sql 'SELECT count(*) FROM movies')" "$expected" "every exported id stored"
fake_snapshot
second=$(fake_stat by_endpoint.details)
total=$((first + second))
bound=$((expected + BATCH + WORKERS + 4 * WORKERS))
[ "$total" -le "$bound" ]
ok $? "detail requests over both runs: $total <= $expected + $BATCH + $((5 * WORKERS)) = $bound"
is "$(fake_stat detail_requests_per_id | "$PYTHON" -c 'import json, sys; print(max(json.load(sys.stdin).values()))')" \
    1 "the rerun fetched no movie twice"

# The lowest id, fetched first, answers 404 to an export that is then
# killed; the rerun's file lists it (a later day's, say) and TMDB has it
# again.
first_id=$(sql 'SELECT min(id) FROM movies')
start_fake --movies $N --deleted 0 --latency-ms 20 --fault "$first_id:404"
CMD="export --rate 0 --workers 1 --batch 1"
"$BIN" --db "$DB" --no-progress $CMD --export-base "$FAKE_URL/p/exports" </dev/null >/dev/null 2>&1 &
pid=$!
found_deleted() {
    [ "$(sql "SELECT count(*) FROM fetch_failures WHERE movie_id = $first_id AND kind = 'missing'")" = 1 ]
}
wait_for "movie $first_id found deleted" "$pid" found_deleted
kill -9 "$pid"
wait "$pid" 2>/dev/null
is "$(sql "SELECT deleted_at IS NOT NULL FROM movies WHERE id = $first_id")" 1 \
    "the killed export marked movie $first_id deleted (404)"
start_fake --movies $N --deleted 0
run_ingest $CMD --export-base "$FAKE_URL/p/exports" -v
is "$RC" 0 "the rerun exits 0"
like "$ERR" "resuming after run" "and resumes the killed run"
is "$(sql "SELECT deleted_at IS NULL FROM movies WHERE id = $first_id")" 1 \
    "and asks movie $first_id again: listed in its file, it is live again"

done_testing
