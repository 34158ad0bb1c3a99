#!/bin/sh
# DB.lock deleted while a load holds it (by hand, against the README's
# advice): the next load would start beside the running one, and stats
# reads the live run as dead. The load says so at its end, also with -q,
# as it does of a database replaced under it.
. "$(dirname "$0")/lib.sh"
plan 3

start_fake --movies 100 --deleted 0 --latency-ms 50
"$BIN" --db "$DB" --no-progress -q list now_playing --pages all --workers 1 --rate 0 \
    </dev/null >/dev/null 2>"$TMP/err" &
pid=$!
wait_for "the load's run row" "$pid" run_running
rm -f "$DB.lock"
wait "$pid"
is "$?" 0 "the load itself ends ok"
like "$(cat "$TMP/err")" "$DB.lock was removed or replaced while this run held it: another load could start beside it" \
    "and says, with -q, that its lock file went"
run_ingest --rate 0 list now_playing
unlike "$ERR" "was removed or replaced" "a load whose lock stays put says nothing of it"

done_testing
