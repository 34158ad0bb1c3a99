#!/bin/sh
# What a rerun may skip. After an interrupted run, the movies it settled
# are not fetched again, also when a run that failed (exit 1: here a
# rejected credential) came between. A movie counts as settled for a run
# only when it was stored with the parts the run asks for (--append): so
# a plain run stopped and restarted with --append, or --max-age with
# --append, fetches the movies again to get their parts.
. "$(dirname "$0")/lib.sh"
plan 12

N=120
start_fake --movies $N --deleted 0 --latency-ms 20
catalogue_ids $N --movies $N --deleted 0 | tr ' ' '\n' >"$TMP/ids"

# interrupt RUN...: start a load of every id, stop it with SIGINT once some
# movies are committed.
interrupt() {
    env --default-signal=INT "$BIN" --db "$DB" --no-progress --rate 0 --workers 2 \
        --batch 10 "$@" ids - <"$TMP/ids" >/dev/null 2>&1 &
    pid=$!
    wait_for_movies 20 "$pid"
    kill -INT "$pid"
    wait "$pid" 2>/dev/null
}

interrupt
stored=$(sql 'SELECT count(*) FROM movies')
[ "$stored" -ge 20 ] && [ "$stored" -lt $N ]
ok $? "the first run was stopped part-way ($stored stored)"
INGEST_STDIN=$TMP/ids TMDB_API_TOKEN=wrong run_ingest --rate 0 ids -
is "$RC:$(sql "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" "1:failed" \
    "a run with a rejected credential fails (exit 1)"
fake_reset
INGEST_STDIN=$TMP/ids run_ingest --rate 0 -v ids -
is "$RC" 0 "the next run exits 0"
like "$ERR" "resuming after run 1: $stored movies" "it resumes the stopped run, across the failed ones"
fake_snapshot
is "$(fake_stat by_endpoint.details)" $((N - stored)) "and fetches only the $((N - stored)) not stored"

# Stopped without parts, restarted with them: nothing is skipped.
rm -f "$DB"*
interrupt
fake_reset
INGEST_STDIN=$TMP/ids run_ingest --rate 0 --append credits ids -
is "$RC" 0 "restarted with --append credits: exit 0"
fake_snapshot
is "$(fake_stat by_endpoint.details):$(sql "SELECT count(*) FROM movies WHERE appended IS NOT 'credits'")" \
    "$N:0" "every movie fetched again, and every one has its credits"

# --max-age skips fresh movies only when they have the parts asked for.
EXPORT="export --export-base $FAKE_URL/p/exports --rate 0 --max-age 1d"
fake_reset
run_ingest $EXPORT --append credits,keywords
fake_snapshot
n=$(sql "SELECT count(*) FROM movies WHERE appended = 'credits,keywords'")
[ "$n" -gt 0 ] && [ "$(fake_stat by_endpoint.details)" = "$n" ]
ok $? "--max-age with new parts: the fresh movies fetched again for them ($n)"
fake_reset
run_ingest $EXPORT --append keywords
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "--max-age with parts they have: none fetched"
# Parts kept only in raw_json (images, videos) are not recorded per movie:
# asking for them again does not make every movie look unsettled.
fake_reset
run_ingest $EXPORT --append keywords,images
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "--max-age with images added: none fetched"

# A resume says nothing at the default verbosity, unless the run it resumes
# started more than 20 hours before (a nightly job resuming last night's
# stopped run): what that run stored is not fetched again and stays a day
# old, said in a warning naming --refresh.
rm -f "$DB"*
interrupt
INGEST_STDIN=$TMP/ids run_ingest --rate 0 ids -
is "$RC:$(printf '%s\n' "$ERR" | grep -c .):$(printf '%s' "$ERR" | grep -c ' skipped=[1-9]')" "0:1:1" \
    "a rerun soon after the stop resumes it: exit 0, its summary line alone"
rm -f "$DB"*
interrupt
stored=$(sql 'SELECT count(*) FROM movies')
started=$(date -u -d '21 hours ago' +%Y-%m-%dT%H:%M:%SZ)
sql "UPDATE runs SET started_at = '$started'"
INGEST_STDIN=$TMP/ids run_ingest --rate 0 ids -
like "$RC:$ERR" "^0:tmdb-ingest: warning: resuming after run 1, which started at $started, more than 20 hours ago: the $stored movies it settled are not fetched again, and stay as old \(--refresh fetches them\)" \
    "a rerun 21 hours after the stopped run started: exit 0, a warning says the $stored movies stay as old"

done_testing
