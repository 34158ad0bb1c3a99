#!/bin/sh
# ids - : ids streamed from standard input, duplicates enqueued once, bad
# tokens reported with their line and counted as failed (exit 3).
. "$(dirname "$0")/lib.sh"
plan 8

start_fake --movies 50 --deleted 0
ids=$(catalogue_ids 30 --movies 50 --deleted 0)
{
    for id in $ids; do echo "$id"; done
    echo "$ids" | tr ' ' '\t'   # every id again, tab separated on one line
} >"$TMP/ids"
INGEST_STDIN=$TMP/ids run_ingest ids - --workers 4 --rate 0
is "$RC" 0 "exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 30 "30 movies stored"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 30 "each duplicate id requested once"
is "$(sql 'SELECT requested FROM runs')" 30 "runs.requested counts distinct ids"

printf '%s\nnot-an-id\n\n  %s  \n-5\n' "$(echo "$ids" | cut -d' ' -f1)" "$(echo "$ids" | cut -d' ' -f2)" >"$TMP/bad"
INGEST_STDIN=$TMP/bad run_ingest ids - --rate 0
is "$RC" 3 "bad tokens: exit 3 (finished, some input failed)"
like "$ERR" "line 2: \"not-an-id\" is not a movie id" "bad token reported with its line"
like "$ERR" "line 5: \"-5\" is not a movie id" "negative id reported"
is "$(sql 'SELECT failed FROM runs ORDER BY id DESC LIMIT 1')" 2 "bad tokens counted as failed"

done_testing
