#!/bin/sh
# The credential appears nowhere: not in /proc/PID/environ or cmdline while
# the load runs, not in any output, not in the database, and the process
# cannot leave a core file behind; not even when the server quotes the
# request back in an error (a v3 key travels in the URL).
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 100 --deleted 0 --latency-ms 50
"$BIN" --db "$DB" --no-progress -vv list now_playing --pages all --workers 2 --rate 0 \
    </dev/null >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_for_movies 1 "$pid" # it has started and is loading (a fixed wait raced its start)
tr '\0' '\n' <"/proc/$pid/environ" >"$TMP/environ" 2>/dev/null
tr '\0' ' ' <"/proc/$pid/cmdline" >"$TMP/cmdline" 2>/dev/null
grep '^Max core file size' "/proc/$pid/limits" >"$TMP/limits" 2>/dev/null
environ_owner=$(stat -c %u "/proc/$pid/environ" 2>/dev/null)
wait "$pid"
RC=$?
is "$RC" 0 "the load succeeds"
# environ read (as root), or unreadable to this user because the process
# made itself root's (PR_SET_DUMPABLE 0): an empty read proves nothing else
environ_checked() {
    if [ -s "$TMP/environ" ]; then
        grep -q '^PATH=' "$TMP/environ" && ! grep -q "$TEST_TOKEN" "$TMP/environ"
    else
        [ "$(id -u)" != 0 ] && [ "$environ_owner" = 0 ]
    fi
}
[ -s "$TMP/cmdline" ] && ! grep -q "$TEST_TOKEN" "$TMP/cmdline" && environ_checked
ok $? "token absent from /proc/PID/environ and cmdline during the run"
like "$(cat "$TMP/limits")" "Max core file size +0 +0" "core dumps are disabled"
! grep -q "$TEST_TOKEN" "$TMP/out" "$TMP/err"
ok $? "token absent from stdout and stderr (at -vv)"
! sqlite3 "$DB" .dump | grep -q "$TEST_TOKEN"
ok $? "token absent from the database"
! grep -aq "$TEST_TOKEN" "$DB" "$DB-wal" 2>/dev/null
ok $? "token absent from the database files' bytes"

# The commands that need no credential get it all the same from a crontab
# that exports it: dump (held on a full pipe) scrubs it from its environ
# and leaves no core file either.
mkfifo "$TMP/fifo"
"$BIN" --db "$DB" dump --table movies >"$TMP/fifo" 2>/dev/null &
pid=$!
exec 3<"$TMP/fifo"
# it has started and is writing: some output came (a fixed wait raced its start)
head -c 1 <&3 >/dev/null
tr '\0' '\n' <"/proc/$pid/environ" >"$TMP/environ" 2>/dev/null
grep '^Max core file size' "/proc/$pid/limits" >"$TMP/limits" 2>/dev/null
environ_owner=$(stat -c %u "/proc/$pid/environ" 2>/dev/null)
exec 3<&-
wait "$pid"
[ -s "$TMP/limits" ] && environ_checked
ok $? "dump: token absent from /proc/PID/environ"
like "$(cat "$TMP/limits")" "Max core file size +0 +0" "dump: core dumps are disabled"

# A server error quoting the request (api_key=... or the Authorization
# header), or a redirect keeping it: the reason stored and logged has
# "[redacted]" in its place.
stop_fake
KEY=0123456789abcdef0123456789abcdef
IDS=$(catalogue_ids 2 --movies 100 --deleted 0)
set -- $IDS
"$PYTHON" "$FAKE" --port 0 --port-file "$TMP/port2" --api-key "$KEY" --max-seconds 60 \
    --movies 100 --deleted 0 --fault "$1:echo400" --fault "$2:redirect" >/dev/null 2>&1 &
FAKE_PID=$!
wait_for "the second fake to start" "$FAKE_PID" test -s "$TMP/port2"
# (with --append the echoed URL is longer than the message TMDB's error is
# cut to, and the cut falls inside the key)
env -u TMDB_API_TOKEN TMDB_API_KEY="$KEY" "$BIN" --db "$TMP/k.sqlite3" --no-progress -vv \
    --log-format json --api-base "http://127.0.0.1:$(cat "$TMP/port2")/3" ids $IDS --rate 0 \
    --append credits,keywords,videos >"$TMP/out" 2>"$TMP/err"
is "$(sqlite3 "$TMP/k.sqlite3" "SELECT count(*) FROM fetch_failures WHERE reason LIKE '%[redacted]%'")" 2 \
    "the failures echoing the request are recorded, the key redacted"
like "$(sqlite3 "$TMP/k.sqlite3" "SELECT reason FROM fetch_failures WHERE movie_id = $2")" \
    "^HTTP 301: redirected to https://api.example.test/3/movie/$2\\?.*api_key=\\[redacted\\].*, which is not followed" \
    "a redirect names where it pointed (not followed), the key redacted"
! grep -aq "$(echo "$KEY" | cut -c1-8)" "$TMP/out" "$TMP/err" "$TMP/k.sqlite3" \
    "$TMP/k.sqlite3-wal" 2>/dev/null && ! sqlite3 "$TMP/k.sqlite3" .dump | grep -q "$(echo "$KEY" | cut -c1-8)"
ok $? "the v3 key, whole or cut, is in no output and not in the database"
"$PYTHON" "$FAKE" --port 0 --port-file "$TMP/port3" --token "$TEST_TOKEN" --max-seconds 60 \
    --movies 100 --deleted 0 --fault "$1:echo400" >/dev/null 2>&1 &
FAKE3_PID=$!
wait_for "the third fake to start" "$FAKE3_PID" test -s "$TMP/port3"
"$BIN" --db "$TMP/t.sqlite3" --no-progress -vv \
    --api-base "http://127.0.0.1:$(cat "$TMP/port3")/3" ids $IDS --rate 0 >"$TMP/out" 2>"$TMP/err"
! grep -aq "$TEST_TOKEN" "$TMP/out" "$TMP/err" "$TMP/t.sqlite3" "$TMP/t.sqlite3-wal" 2>/dev/null &&
    ! sqlite3 "$TMP/t.sqlite3" .dump | grep -q "$TEST_TOKEN"
ok $? "nor the v4 token, quoted from the Authorization header"
kill "$FAKE3_PID" 2>/dev/null

# A proxy URL curl cannot use (a scheme it does not know, a password
# holding a '/' or '#' that was not percent-encoded) is quoted whole in
# curl's error, password and all: the message and runs.error show it as ***.
for proxy in "socks4x://loader:pr0xy-s3cret@127.0.0.1:1" "http://loader:pr0xy/s3cret@127.0.0.1:1"; do
    rm -f "$TMP/p.sqlite3"*
    env https_proxy="$proxy" http_proxy="$proxy" "$BIN" --db "$TMP/p.sqlite3" --no-progress \
        --api-base "http://127.0.0.1:1/3" ids 1 --rate 0 --retries 0 >"$TMP/out" 2>"$TMP/err"
    ! grep -aq "s3cret" "$TMP/out" "$TMP/err" && ! sqlite3 "$TMP/p.sqlite3" .dump | grep -q "s3cret" &&
        grep -q "loader:\*\*\*@127.0.0.1:1" "$TMP/err"
    ok $? "a proxy curl cannot use ($(echo "$proxy" | cut -d: -f1)): its password in no message, not in the database"
done

# A gateway's password holding a '/' or '#' not percent-encoded ends the
# URL's authority before its '@': the refused base (usage error), the
# failed request's error and runs.command show it as *** all the same.
"$BIN" --db "$TMP/g.sqlite3" --api-base "http://gw:base#s3cret@127.0.0.1:1/3" ids 1 \
    >"$TMP/out" 2>"$TMP/err"
! grep -aq "s3cret" "$TMP/out" "$TMP/err" && grep -q "gw:\*\*\*@127.0.0.1:1" "$TMP/err" &&
    grep -q "a password holding '?', '#' or '/' percent-encoded" "$TMP/err"
ok $? "a base refused for its '#': the password is not in the usage error, which says to encode it"
# A '/' read as the end of the authority sent the request to host "gw",
# port "base": curl's "bad/illegal format" after a first request. It is
# refused before any, as a '#' is, with the same hint.
RC=0
"$BIN" --db "$TMP/g.sqlite3" --api-base "http://gw:base/s3cret@127.0.0.1:1/3" ids 1 --rate 0 \
    --retries 0 >"$TMP/out" 2>"$TMP/err" || RC=$?
! grep -aq "s3cret" "$TMP/out" "$TMP/err" && [ "$RC" = 2 ] && [ ! -e "$TMP/g.sqlite3" ] &&
    grep -q "gw:\*\*\*@127.0.0.1:1/3" "$TMP/err" &&
    grep -q "a password holding '?', '#' or '/' percent-encoded" "$TMP/err"
ok $? "a base whose password holds a '/': refused (exit 2) with the hint, the password in no message"
# Digits before the '/' read as a port (http://gw:2024/...): the '@' after
# them in the same URL ends the password all the same.
"$BIN" --db "$TMP/g2.sqlite3" --api-base "http://gw:2024/s3cret@127.0.0.1:1/3" ids 1 --rate 0 \
    --retries 0 >"$TMP/out" 2>"$TMP/err"
! grep -aq "s3cret" "$TMP/out" "$TMP/err" && ! sqlite3 "$TMP/g2.sqlite3" .dump | grep -q "s3cret"
ok $? "a base whose password is digits, then a '/': not in the error, runs.command or runs.error"

# A gateway's login goes out as Basic authentication (base64 of
# user:password); a server quoting the request quotes that header: the
# failure recorded keeps neither the password nor its base64.
"$PYTHON" "$FAKE" --port 0 --port-file "$TMP/port4" --api-key "$KEY" --max-seconds 60 \
    --movies 100 --deleted 0 --fault "$1:echo400" >/dev/null 2>&1 &
FAKE4_PID=$!
wait_for "the fourth fake to start" "$FAKE4_PID" test -s "$TMP/port4"
basic=$(printf 'gwuser:GW%%2Fs3cret' | "$PYTHON" -c 'import sys, base64, urllib.parse
print(base64.b64encode(urllib.parse.unquote(sys.stdin.read()).encode()).decode())')
env -u TMDB_API_TOKEN TMDB_API_KEY="$KEY" "$BIN" --db "$TMP/b.sqlite3" --no-progress -vv \
    --api-base "http://gwuser:GW%2Fs3cret@127.0.0.1:$(cat "$TMP/port4")/3" ids $IDS --rate 0 \
    >"$TMP/out" 2>"$TMP/err"
is "$(sqlite3 "$TMP/b.sqlite3" "SELECT count(*) FROM fetch_failures WHERE reason LIKE '%[redacted]%'")" 1 \
    "a failure echoing the gateway's Basic header is recorded, redacted"
! grep -aqe "s3cret" -e "$basic" "$TMP/out" "$TMP/err" &&
    ! sqlite3 "$TMP/b.sqlite3" .dump | grep -qe "s3cret" -e "$basic"
ok $? "the gateway's password, as typed or as its Basic header carries it, is nowhere"
kill "$FAKE4_PID" 2>/dev/null

done_testing
