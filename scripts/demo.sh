#!/bin/sh
# demo.sh - the whole job against the bundled fake TMDB, on loopback:
# start scripts/fake_tmdb.py, ingest the now-playing list, and print what
# the original Python script printed (title, vote_average, revenue), from SQL.
# Run by `make demo` after the build.
set -eu
cd "$(dirname "$0")/.."

BIN=${TMDB_INGEST_DEMO_BIN:-build/tmdb-ingest}
DB=${DEMO_DB:-build/demo.sqlite3}
PORT_FILE=${DEMO_DB:-build/demo}.port
rm -f "$DB" "$DB-wal" "$DB-shm" "$PORT_FILE"

# The fake is on loopback: a proxy from the environment (libcurl sends even
# 127.0.0.1 through it) is not for the demo. `make demo` installed packages
# before this script, with the proxy.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# A throwaway token: the fake requires one, as TMDB does.
TMDB_API_TOKEN=demo-token-not-a-secret
export TMDB_API_TOKEN

python3 scripts/fake_tmdb.py --port 0 --port-file "$PORT_FILE" --token "$TMDB_API_TOKEN" \
    --movies 100 --deleted 3 --latency-ms 40 --max-seconds 120 >/dev/null &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$PORT_FILE" ]; do
    i=$((i + 1))
    [ $i -le 100 ] || { echo "demo: the fake TMDB did not start" >&2; exit 1; }
    sleep 0.1
done
API="http://127.0.0.1:$(cat "$PORT_FILE")/3"

echo "== tmdb-ingest list now_playing --pages all --append credits,keywords   (fake TMDB at $API, 40 ms latency)"
"$BIN" --db "$DB" --api-base "$API" list now_playing --pages all --append credits,keywords ||
    status=$?
echo
echo "== what the original script printed, now from SQL:"
echo "   SELECT title, vote_average, revenue FROM movies ORDER BY popularity DESC LIMIT 20;"
sqlite3 -box "$DB" \
    "SELECT title, vote_average, revenue FROM movies ORDER BY popularity DESC LIMIT 20;"
echo
echo "== the run, from the runs table:"
sqlite3 -box "$DB" "SELECT id, status, requested, fetched, missing, failed, http_requests FROM runs;"
echo
echo "Database: $DB  (open it with: sqlite3 $DB; README.md, \"A tour of the demo data\", goes on from here)"
exit "${status:-0}"
