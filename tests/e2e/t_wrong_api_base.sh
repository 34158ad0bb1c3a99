#!/bin/sh
# A wrong --api-base on TMDB's own host (a missing /3, /4 for /3) answers
# every movie with TMDB's own 404 (status_code 34), which reads as
# "deleted": an export or an ids run used to mark every stored movie
# deleted, exit 0. Before such a run (ids, export) the producer asks
# /configuration, which TMDB's v3 always answers: a 404 there stops the run
# with exit 1 before any movie is requested. list and changes read their
# ids from the API base itself and fail there first; a dry run asks nothing.
# Real deletions, however many come first, are marked as before.
. "$(dirname "$0")/lib.sh"
plan 22

# named before the fake starts: it serves that day's export even when
# midnight comes in between (its own today is then the next day)
TODAY_NAME=movie_ids_$(date -u +%m_%d_%Y).json.gz
TODAY_FILE="$TMP/$TODAY_NAME"
start_fake --movies 300 --deleted 0
curl -s -o "$TODAY_FILE" "$FAKE_URL/p/exports/$TODAY_NAME"
run_ingest export --file "$TODAY_FILE" --rate 0
is "$RC" 0 "the catalogue is loaded"
deleted() { sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL'; }
failures() { sql 'SELECT count(*) FROM fetch_failures'; }

fake_reset
run_ingest export --file "$TODAY_FILE" --rate 0 --api-base "$FAKE_URL/4"
is "$RC" 1 "export with a wrong API base: exit 1"
like "$ERR" "$FAKE_URL/4 is not TMDB's API \\(v3\\): GET /configuration answered TMDB's 404" \
    "the message names the base and the check"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "no movie was requested"
is "$(deleted):$(failures)" "0:0" "none marked deleted, no failure recorded"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is recorded as failed"

# A gateway's password in the base (user:password@host) is neither shown
# nor stored with the run's command line.
GW_BASE=$(printf '%s' "$FAKE_URL" | sed 's|://|://gw:gw-pass-7Q@|')/4
run_ingest export --file "$TODAY_FILE" --rate 0 --api-base "$GW_BASE"
like "$RC:$(printf '%s\n' "$ERR" | grep 'error:')" "^1:.*http://gw:\*\*\*@127\.0\.0\.1:[0-9]*/4 is not TMDB's API" \
    "a password in --api-base: the message shows the user, not the password"
is "$(sql "SELECT count(*) FROM runs WHERE command LIKE '%gw-pass-7Q%'"):$(sql \
    "SELECT count(*) FROM runs WHERE command LIKE '%--api-base http://gw:***@%'")" "0:1" \
    "runs.command holds the base without its password"
# A password shorter than its *** makes the command line longer than typed:
# runs.command holds all of it still, to the last argument's last byte.
run_ingest export --file "$TODAY_FILE" --rate 0 --api-base "$(printf '%s' "$FAKE_URL" |
    sed 's|://|://gw:p@|')/4"
is "$(sql 'SELECT command FROM runs ORDER BY id DESC LIMIT 1' | tr ' ' '\n' |
    grep -cxF -e export -e --file -e "$TODAY_FILE" -e "http://gw:***@${FAKE_URL#http://}/4")" 4 \
    "a one-byte password: runs.command holds every argument whole, the password as ***"

# ids of stored movies, even a few: the same.
set -- $(sql 'SELECT id FROM movies ORDER BY id LIMIT 3')
run_ingest ids "$@" --rate 0 --api-base "$FAKE_URL/4"
is "$RC:$(deleted)" "1:0" "ids of 3 stored movies with a wrong API base: exit 1, none marked"
is "$(sql 'SELECT command FROM runs ORDER BY id DESC LIMIT 1')" \
    "$BIN --db $DB --no-progress ids $* --rate 0 --api-base $FAKE_URL/4" \
    "runs.command is the command line as typed, options after the ids where they were given"
seq 1 60 >"$TMP/ids"
INGEST_STDIN="$TMP/ids" run_ingest ids - --rate 0 --api-base "$FAKE_URL"
is "$RC" 1 "ids - with the API base missing its /3: exit 1"

# The right base: asked once per run, and no other request is added.
fake_reset
run_ingest ids "$@" --rate 0
fake_snapshot
is "$RC:$(fake_stat by_endpoint.configuration):$(fake_stat by_endpoint.details)" "0:1:3" \
    "ids with the right base: one /configuration, then the details"
fake_reset
run_ingest list now_playing --rate 0
run_ingest export --file "$TODAY_FILE" --rate 0 --dry-run
fake_snapshot
is "$(fake_stat by_endpoint.configuration)" 0 "list and a dry run do not ask it"
run_ingest list now_playing --rate 0 --api-base "$FAKE_URL/4"
is "$RC" 1 "list with a wrong API base fails on its first page"
# README's first command is a list: TMDB's bare "could not be found" for
# its page said nothing of the base, as the /configuration check does.
like "$ERR" "now_playing page 1: HTTP 404 \\(TMDB 34\\).*; $FAKE_URL/4 is not TMDB's API \\(v3\\).*Check --api-base or TMDB_API_BASE" \
    "list with a wrong API base: the message names the base to check"
run_ingest changes --since "$(date -u -d yesterday +%F)" --rate 0 --api-base "$FAKE_URL/4"
like "$RC:$ERR" "^1:.*changes [0-9-]*\\.\\.[0-9-]* page 1: HTTP 404 .*; $FAKE_URL/4 is not TMDB's API \\(v3\\).*Check --api-base" \
    "changes with a wrong API base: exit 1, the message names the base to check"
run_ingest ids 13 --rate 0 --api-base "$FAKE_URL/4/"
like "$ERR" "error: $FAKE_URL/4 is not TMDB's API" \
    "a base with a trailing '/' is named as it is requested, without the '/'"

# Real deletions: 30 stored movies TMDB deleted, and nothing else: marked.
stop_fake
start_fake --movies 300 --deleted 30
GONE=$(sql "SELECT id FROM movies WHERE id IN ($(deleted_ids --movies 300 --deleted 30 | tr ' ' ','))" |
    tr '\n' ' ')
N=$(echo $GONE | wc -w)
run_ingest ids $GONE --rate 0
is "$RC" 0 "$N stored movies TMDB deleted, alone: exit 0"
is "$(deleted)" "$N" "all $N marked deleted"

# A rejected credential is found by the same request: nothing else is asked.
fake_reset
TMDB_API_TOKEN=wrong run_ingest ids 13 18 --rate 0
fake_snapshot
is "$RC" 1 "a rejected credential: exit 1"
is "$(fake_stat by_endpoint.details)" 0 "before any movie is requested"

done_testing
