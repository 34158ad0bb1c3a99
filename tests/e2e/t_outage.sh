#!/bin/sh
# TMDB or the network down in the middle of a run: every movie left would
# fail after its retries, each noted for the next run, for hours. Once
# --give-up-after movies in a row failed with no answer TMDB meant (after
# their retries: 5xx, 429, timeouts, resets; at once: a 2xx body that is
# not JSON, an error that is not TMDB's own, a proxy's or firewall's page),
# the run stops: failed, exit 7, and the next run resumes it. A movie
# stored, a 404, or a failure TMDB answered (a body of the wrong shape)
# ends the row; --give-up-after 0 never stops.
. "$(dirname "$0")/lib.sh"
plan 42

CAT="--movies 300 --deleted 0"
IDS=$(catalogue_ids 300 $CAT)
FAST="--rate 0 --retries 0"
last_run() { sql "SELECT status || ':' || fetched || ':' || failed || ':' || skipped FROM runs ORDER BY id DESC LIMIT 1"; }

# down after 20 movies: the run stops at 10 in a row. One worker, so that
# the 20 answered are all stored: with more, the stop aborts what is in
# flight, and a 20th answer slow to arrive (a loaded machine) is aborted
# with the rest, which the rerun then fetches.
start_fake $CAT --outage-after 20
run_ingest ids $IDS $FAST --workers 1 --give-up-after 10
is "$RC" 7 "TMDB down in the middle of a run: exit 7"
like "$ERR" "error: 10 movies in a row failed with no answer TMDB meant \\(the last, movie [0-9]+: HTTP 503 .*TMDB or the network looks down" \
    "the error says how many failed in a row, the last one's reason, and why the run stops"
like "$(last_run)" "^failed:20:" "the run is recorded failed, with the 20 movies stored"
failed=$(sql "SELECT count(*) FROM fetch_failures")
[ "$failed" -ge 10 ] && [ "$failed" -lt 150 ]
ok $? "the failures are recorded, the 10 and those in flight ($failed), not all 280 left"
fake_snapshot
details=$(fake_stat by_endpoint.details)
[ "$details" -lt 170 ]
ok $? "the movies left are not asked for ($details detail requests of 300)"

# TMDB back: the rerun resumes
start_fake $CAT
run_ingest ids $IDS $FAST --give-up-after 10
is "$RC" 0 "TMDB back: the rerun exits 0"
is "$(last_run)" "ok:280:0:20" "it resumes: the 20 stored are skipped, the 280 others stored"
is "$(sql "SELECT count(*) FROM movies")" 300 "all 300 movies are stored"

# each way of being down: CloudFront's 502 page, a proxy's HTML page as a
# 200 (a body that is not one: asked once, failed at once), connections reset
for kind in 502html html200 403html reset; do
    rm -f "$DB"*
    start_fake $CAT --outage-after 5:$kind
    run_ingest ids $IDS $FAST --give-up-after 10
    is "$RC" 7 "down with $kind: exit 7"
    like "$ERR" "10 movies in a row failed with no answer" "down with $kind: said as an outage"
done

# behind a SOCKS proxy (all_proxy=socks5://, an ssh -D tunnel) whose far
# side lost its network: the proxy answers "host unreachable", a connection
# that failed, as a refused one is without the proxy: the run stops, exit
# 7, rather than record each movie left failed at its first attempt, the
# row ended at each (exit 3, every movie asked for)
rm -f "$DB"*
start_fake $CAT --outage-after 5:socks --socks-port-file "$TMP/socks_port"
export all_proxy="socks5://127.0.0.1:$(cat "$TMP/socks_port")"
run_ingest ids $IDS $FAST --give-up-after 10
unset all_proxy
is "$RC:$(sql "SELECT status FROM runs")" "7:failed" \
    "down behind a SOCKS proxy (host unreachable): the run stops, exit 7, failed"
like "$ERR" "error: movie [0-9]+: connection failed: Can't complete SOCKS5 connection" \
    "the error names the proxy's refusal as a failed connection"
failed=$(sql "SELECT count(*) FROM fetch_failures")
[ "$failed" -lt 150 ]
ok $? "the movies left are not each recorded failed ($failed of 295)"

# a SOCKS proxy that refuses for good (reply 2: its rules do not allow the
# host; 7: it serves no CONNECT), as one rejecting the credentials in
# all_proxy does: no retry changes it, a setup for a person to mend, not
# TMDB or the network down: exit 1 at the first request, not 7 after its
# retries (and a scheduler retrying on 7 would retry it every hour)
for reply in 2 7; do
    rm -f "$DB"*
    start_fake $CAT --socks-port-file "$TMP/socks_port" --socks-reply $reply
    export all_proxy="socks5://127.0.0.1:$(cat "$TMP/socks_port")"
    run_ingest ids $IDS --rate 0 --retries 2
    unset all_proxy
    like "$RC:$ERR" "^1:.*/configuration: .*SOCKS5 connection to 127\.0\.0\.1\. \($reply\)" \
        "a SOCKS proxy refusing for good (reply $reply): exit 1, naming its refusal"
    like "$ERR" "requests=1 retries=0 " "reply $reply: asked once, not again"
    like "$(sql "SELECT exit_status || '|' || error FROM runs")" "^1\|http://[^ ]*/configuration: .*\($reply\)" \
        "reply $reply: runs says exit 1, and the refusal"
done

# the default: 50 in a row
rm -f "$DB"*
start_fake $CAT --outage-after 5
run_ingest ids $IDS $FAST
is "$RC:$(sql "SELECT status FROM runs")" "7:failed" "by default the run stops too"
like "$ERR" "error: 50 movies in a row failed" "at 50 movies in a row"
# the run's row says what its exit status did, and why, for monitoring
# that reads the database (stats --format json) rather than the exit status
is "$(sql "SELECT exit_status || '|' || error FROM runs")" \
    "7|$(printf '%s\n' "$ERR" | grep -m1 'error:' | sed 's/^tmdb-ingest: error: //')" \
    "runs: exit_status 7, and error the line the run wrote"

# --give-up-after 0: never; every movie fails, the run ends partial
rm -f "$DB"*
start_fake $CAT --outage-after 5
run_ingest ids $IDS $FAST --give-up-after 0
is "$RC" 3 "--give-up-after 0 never stops: exit 3"
is "$(last_run)" "partial:5:295:0" "every movie left was asked for and failed"
is "$(sql "SELECT exit_status || '|' || coalesce(error, 'null') FROM runs")" "3|null" \
    "runs: exit_status 3, no error (the failures are in fetch_failures)"

# down from the start: the first request's retries are spent, the same
# exit 7 (a scheduler retries on it alone); exit 1 stays for what waiting
# does not mend (t_credentials, t_wrong_api_base)
rm -f "$DB"*
start_fake $CAT --outage-after 0
run_ingest ids $IDS --rate 0 --retries 1
like "$RC:$ERR" "^7:.*/configuration: HTTP 503" "down at the start of ids: /configuration fails, exit 7"
is "$(sql "SELECT count(*) FROM movies")" 0 "no movie stored"
run_ingest list popular --pages all --rate 0 --retries 1
like "$RC:$ERR" "^7:.*popular page 1: HTTP 503 .*\(2 attempts\)" "down at the start of list: page 1 fails, exit 7"
start_fake $CAT --outage-after 0:403html
run_ingest list popular --rate 0 --retries 1
like "$RC:$ERR" "^1:.*popular page 1: HTTP 403" "a page refused at once with a 4xx (here a firewall's page): exit 1, as for a wrong --api-base"

# failures that are not an outage do not stop a run. One worker keeps the
# order: 6 failing, one stored, 6 failing, with --give-up-after 7.
# faults KIND N...: the fake's --fault options giving KIND to the Nth ids
faults() {
    kind=$1
    shift
    for n in "$@"; do
        printf ' --fault %s:%s' "$(echo $IDS | cut -d' ' -f"$n")" "$kind"
    done
}
rm -f "$DB"*
start_fake $CAT $(faults 500 1 2 3 4 5 6 8 9 10 11 12 13)
run_ingest ids $(echo $IDS | cut -d' ' -f1-13) $FAST --workers 1 --give-up-after 7
is "$RC" 3 "6 failing, one stored, 6 failing (--give-up-after 7): the run goes on, exit 3"
is "$(last_run)" "partial:1:12:0" "12 failed, 1 stored"
# answers of the wrong shape: TMDB answered, however many in a row
rm -f "$DB"*
start_fake $CAT $(faults title_int $(seq 1 12))
run_ingest ids $(echo $IDS | cut -d' ' -f1-12) $FAST --give-up-after 3
is "$RC" 3 "12 answers of the wrong shape in a row (--give-up-after 3): exit 3, not an outage"
is "$(last_run)" "partial:0:12:0" "all 12 recorded failed"
# 404s: deleted movies are answers
rm -f "$DB"*
start_fake --movies 300 --deleted 30
run_ingest ids $(deleted_ids --movies 300 --deleted 30) $FAST --give-up-after 3
is "$RC:$(sql "SELECT count(*) FROM fetch_failures WHERE kind = 'missing'")" "0:30" \
    "30 movies TMDB deleted in a row (--give-up-after 3): exit 0, all 30 missing"

run_ingest ids 5 --give-up-after -1
is "$RC" 2 "--give-up-after -1: a usage error"
like "$ERR" "--give-up-after wants a number of movies from 0 to 1000000, not '-1'" "saying what it wants"

done_testing
