#!/bin/sh
# Crash consistency: kill -9 at 20 moments (fixed seed) during a load (the
# sanitizer suites, which look for races and leaks, use E2E_KILLS=5). Each
# time the database passes integrity_check; the next run marks the dead
# run aborted and resumes without refetching what was already stored; the
# final run completes the job with every movie present once.
. "$(dirname "$0")/lib.sh"
plan 10

N=400
KILLS=${E2E_KILLS:-20}
start_fake --movies $N --deleted 0 --latency-ms 40
CMD="list now_playing --pages all --workers 2 --rate 0"
bad_integrity=0
awk -v n="$KILLS" 'BEGIN { srand(20261124); for (i = 0; i < n; i++) printf "%.2f\n", 0.2 + rand() * 1.6 }' \
    >"$TMP/delays"
k=0
while read -r delay; do
    k=$((k + 1))
    "$BIN" --db "$DB" --no-progress $CMD </dev/null >/dev/null 2>&1 &
    pid=$!
    # the first load's kill comes after it stored something, so that what
    # is resumed below is never nothing (a slow start could put every kill
    # before the first commit, and the resume checks would pass untested)
    [ "$k" = 1 ] && wait_for_movies 1 "$pid"
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$(sql 'PRAGMA integrity_check' 2>&1)" = ok ] || bad_integrity=$((bad_integrity + 1))
done <"$TMP/delays"
is "$bad_integrity" 0 "integrity_check ok after each of $KILLS kill -9"
killed=$(sql 'SELECT count(*) FROM runs')
stored_before=$(sql 'SELECT count(*) FROM movies')
diag "$killed runs killed; $stored_before movies stored by them"
[ "$stored_before" -gt 0 ]
ok $? "the killed runs stored something to resume ($stored_before of $N)"

# A dry run now says what the rerun will do: the last killed run still
# reads "running" (nothing marked it aborted), yet it is resumed as the
# rerun will (before, the dry run resumed nothing and said all N).
run_ingest $CMD --dry-run
like "$OUT" "would fetch $((N - stored_before)) movie\(s\).* skipped=$stored_before " \
    "a dry run resumes the dead runs as the rerun does ($((N - stored_before)) to fetch)"

fake_reset
run_ingest $CMD -v
is "$RC" 0 "the rerun exits 0"
is "$(sql 'SELECT count(*) FROM movies')" $N "every movie present"
is "$(sql 'SELECT count(DISTINCT id) FROM movies')" $N "each movie once"
is "$(sql "SELECT count(*) FROM runs WHERE status = 'aborted'")" "$killed" \
    "every killed run is marked aborted"
fake_snapshot
is "$(fake_stat by_endpoint.details)" $((N - stored_before)) \
    "the rerun fetched only what was lost ($((N - stored_before)) of $N)"
is "$(sql 'SELECT skipped FROM runs ORDER BY id DESC LIMIT 1')" "$stored_before" \
    "runs.skipped counts what was resumed"

# --refresh fetches everything again.
fake_reset
run_ingest $CMD --refresh
fake_snapshot
is "$(fake_stat by_endpoint.details)" $N "--refresh refetches every movie"

done_testing
