#!/bin/sh
# A fatal error ends the run promptly from any state: here the producer is
# blocked reading a standard input that never ends while a worker meets a
# 401. The process must exit 1 at once, not wait for more input.
. "$(dirname "$0")/lib.sh"
plan 4

CAT="--movies 20 --deleted 0"
set -- $(catalogue_ids 2 $CAT)
start_fake $CAT --fault "$2:401"
mkfifo "$TMP/fifo"
# Keep the fifo's write end open (sleep) after writing two ids.
( printf '%s\n%s\n' "$1" "$2"; sleep 30 ) >"$TMP/fifo" &
writer=$!
start=$(date +%s)
INGEST_STDIN=$TMP/fifo run_ingest ids - --rate 0 --workers 1
elapsed=$(( $(date +%s) - start ))
kill "$writer" 2>/dev/null
is "$RC" 1 "exit 1 on a 401 while stdin stays open"
[ "$elapsed" -le 5 ]
ok $? "stopped promptly (${elapsed}s) instead of waiting for input"
like "$ERR" "credential from TMDB_API_TOKEN was rejected" "says why, naming where the credential came from"
is "$(sql 'SELECT count(*) FROM movies')" 1 "the movie fetched before the stop is committed"

done_testing
