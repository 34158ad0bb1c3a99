#!/bin/sh
# Behind a proxy: libcurl's variables are honoured (http_proxy for an
# http:// base, all_proxy, no_proxy), the proxy's address is named when it
# cannot be reached and its password never shown; and neither the tests
# (lib.sh) nor the demo send their loopback requests through a proxy the
# environment names. The fake answers absolute-form requests
# ("GET http://host/3/..."), so it serves as the proxy here too.
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 40 --deleted 0
# Nothing listens on port 1 of loopback: a request that goes there directly fails.
NOWHERE=http://127.0.0.1:1

# load NAME=VALUE...: a list load with those variables set; sets RC, ERR.
load() {
    env "$@" "$BIN" --db "$DB" --no-progress --rate 0 --retries 0 list now_playing \
        >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
}

load TMDB_API_BASE="$NOWHERE/3" http_proxy="$FAKE_URL"
is "$RC" 0 "http_proxy: the load goes through the proxy (the base itself is unreachable)"
is "$(sql 'SELECT count(*) FROM movies')" 20 "and stores the page's movies"

rm -f "$DB" "$DB"-*
unlike "$ERR" "unencrypted" "an http:// base on this machine: no warning"

# A plain http:// base on another machine (reached here through the proxy,
# which answers for any host) carries the credential unencrypted: it warns.
rm -f "$DB" "$DB"-*
load TMDB_API_BASE="http://tmdb.invalid/3" http_proxy="$FAKE_URL"
is "$RC" 0 "an http:// base on another host, through the proxy: the load runs"
like "$ERR" "http://, not https://: the credential \(TMDB_API_TOKEN\) crosses the network unencrypted" \
    "and warns that the credential travels unencrypted"
# So does a v3 key, which travels in every request's URL (the fake, which
# takes the token only, refuses it: the warning comes before any request).
rm -f "$DB" "$DB"-*
load -u TMDB_API_TOKEN TMDB_API_KEY=0123456789abcdef0123456789abcdef \
    TMDB_API_BASE="http://tmdb.invalid/3" http_proxy="$FAKE_URL"
like "$ERR" "http://, not https://: the credential \(TMDB_API_KEY\) crosses the network unencrypted" \
    "a v3 key (TMDB_API_KEY) instead of a token: the same warning"

rm -f "$DB" "$DB"-*
load TMDB_API_BASE="$NOWHERE/3" ALL_PROXY="$FAKE_URL"
is "$RC" 0 "ALL_PROXY: the same"

load TMDB_API_BASE="$FAKE_URL/3" http_proxy="$NOWHERE" no_proxy=127.0.0.1
is "$RC" 0 "no_proxy: a host it names is reached directly"

load TMDB_API_BASE="$FAKE_URL/3" http_proxy="$NOWHERE"
is "$RC" 7 "an unreachable proxy: exit 7, the network down"
like "$ERR" "127\.0\.0\.1 port 1" "the message names the proxy's address"

load TMDB_API_BASE="$FAKE_URL/3" http_proxy="http://loader:pr0xy-s3cret@127.0.0.1:1"
is "$RC" 7 "a proxy with a password, unreachable: exit 7"
unlike "$ERR" "s3cret" "the proxy's password is not in the message"
like "$ERR" "127\.0\.0\.1 port 1" "its address is"
is "$(sqlite3 "$DB" .dump | grep -c s3cret)" 0 "nor in the database"

env TMDB_API_BASE="$FAKE_URL/3" http_proxy="http://loader:pr0xy-s3cret@127.0.0.1:1" \
    "$BIN" --db "$DB" --no-progress --rate 0 --retries 0 -vv list now_playing 2>"$TMP/err"
ERR=$(cat "$TMP/err")
like "$ERR" "127\.0\.0\.1 port 1" "with -vv too, the address"
unlike "$ERR" "s3cret" "but not the password"

# The suite and the demo reach the fake on loopback whatever proxy is set.
env http_proxy="$NOWHERE" ALL_PROXY="$NOWHERE" TMDB_INGEST_BIN="$BIN" \
    sh "$ROOT/tests/e2e/t_language.sh" >"$TMP/inner" 2>&1
is "$?" 0 "a test of the suite passes with http_proxy and ALL_PROXY set to a dead end"
is "$(grep -c '^not ok' "$TMP/inner")" 0 "every check of it"
env http_proxy="$NOWHERE" ALL_PROXY="$NOWHERE" DEMO_DB="$TMP/demo.sqlite3" \
    TMDB_INGEST_DEMO_BIN="$BIN" sh "$ROOT/scripts/demo.sh" >"$TMP/demo" 2>&1
is "$?" 0 "so does the demo"

done_testing
