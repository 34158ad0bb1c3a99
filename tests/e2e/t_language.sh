#!/bin/sh
# A database holds one language's text: a run in another language is refused.
. "$(dirname "$0")/lib.sh"
plan 5

start_fake --movies 20 --deleted 0
ids=$(catalogue_ids 3 --movies 20 --deleted 0)
run_ingest ids $ids --language en-US --rate 0
is "$RC" 0 "first run in en-US"
run_ingest ids $ids --rate 0
is "$RC" 2 "a ko-KR run on an en-US database: exit 2"
like "$ERR" "en-US" "message names the database's language"
like "$ERR" "ko-KR" "message names the requested language"
is "$(sql 'SELECT count(*) FROM runs')" 1 "the refused run wrote nothing"

done_testing
