#!/bin/sh
# Behind a proxy: libcurl's variables are honoured (http_proxy for an
# http:// base, all_proxy, no_proxy), the proxy's address is named when it
# cannot be reached and its password never shown; and neither the tests
# (lib.sh) nor the demo send their loopback requests through a proxy the
# environment names. The fake answers absolute-form requests
# ("GET http://host/3/..."), so it serves as the proxy here too.
. "$(dirname "$0")/lib.sh"
plan 27

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

# An HTTP proxy (https_proxy) that refuses the tunnel for good: it wants
# credentials (407) or its rules do not allow the host (403): no retry
# changes it, a setup for a person to mend, as a SOCKS proxy's refusal is
# (t_outage.sh): exit 1 at the first request, not 7 after the retries (a
# scheduler retrying on 7 would retry it every hour). One that could not
# reach the host (502) is the network down: retried, then exit 7.
# connect_proxy CODE: a proxy on loopback answering every CONNECT with
# CODE (counted in $TMP/connects); sets PROXY_URL and PROXY_PID.
connect_proxy() {
    rm -f "$TMP/proxy_port" "$TMP/connects"
    "$PYTHON" -c '
import socket, sys, threading
code, port_file, count_file = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(port_file, "w").write(str(s.getsockname()[1]))
lock = threading.Lock()
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(4096)
        if not d:
            break
        data += d
    with lock:
        open(count_file, "a").write(data.split(b" ")[0].decode() + "\n")
    body = b"<html><body>Access denied</body></html>"
    extra = "Proxy-Authenticate: Basic realm=\"corp\"\r\n" if code == "407" else ""
    c.sendall(("HTTP/1.1 %s Refused\r\nContent-Type: text/html\r\n%sContent-Length: %d\r\n"
               "Connection: close\r\n\r\n" % (code, extra, len(body))).encode() + body)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$1" "$TMP/proxy_port" "$TMP/connects" &
    PROXY_PID=$!
    i=0
    while [ ! -s "$TMP/proxy_port" ] && [ $i -lt 100 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    PROXY_URL="http://127.0.0.1:$(cat "$TMP/proxy_port")"
}

# https://127.0.0.1:9 is never reached: the proxy answers the CONNECT
for code in 407 403; do
    rm -f "$DB" "$DB"-*
    connect_proxy $code
    env https_proxy="$PROXY_URL" "$BIN" --db "$DB" --no-progress --rate 0 --retries 2 \
        --api-base https://127.0.0.1:9/3 ids 550 >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
    kill "$PROXY_PID" 2>/dev/null
    wait "$PROXY_PID" 2>/dev/null
    like "$RC:$ERR" "^1:.*/configuration: .*CONNECT tunnel failed, response $code" \
        "an HTTP proxy refusing the tunnel ($code): exit 1, naming its answer"
    is "$(grep -c CONNECT "$TMP/connects")" 1 "$code: asked once, not again"
    is "$(sql "SELECT exit_status FROM runs")" 1 "$code: runs says exit 1"
done
rm -f "$DB" "$DB"-*
connect_proxy 502
env https_proxy="$PROXY_URL" "$BIN" --db "$DB" --no-progress --rate 0 --retries 1 \
    --api-base https://127.0.0.1:9/3 ids 550 >"$TMP/out" 2>"$TMP/err"
RC=$?
kill "$PROXY_PID" 2>/dev/null
wait "$PROXY_PID" 2>/dev/null
is "$RC" 7 "an HTTP proxy that could not reach the host (502): exit 7, the network down"
is "$(grep -c CONNECT "$TMP/connects")" 2 "502: asked again within --retries"

# The suite and the demo reach the fake on loopback whatever proxy is set.
env http_proxy="$NOWHERE" ALL_PROXY="$NOWHERE" TMDB_INGEST_BIN="$BIN" \
    sh "$ROOT/tests/e2e/t_language.sh" >"$TMP/inner" 2>&1
is "$?" 0 "a test of the suite passes with http_proxy and ALL_PROXY set to a dead end"
is "$(grep -c '^not ok' "$TMP/inner")" 0 "every check of it"
env http_proxy="$NOWHERE" ALL_PROXY="$NOWHERE" DEMO_DB="$TMP/demo.sqlite3" \
    TMDB_INGEST_DEMO_BIN="$BIN" sh "$ROOT/scripts/demo.sh" >"$TMP/demo" 2>&1
is "$?" 0 "so does the demo"

done_testing
