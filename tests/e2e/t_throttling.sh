#!/bin/sh
# 429 storms: the fake allows 10 requests/s while the tool is told 40/s.
# The shared limiter slows every worker down together: every movie is
# stored, and the 429s stay few.
. "$(dirname "$0")/lib.sh"
plan 5

start_fake --movies 60 --deleted 0 --rate-limit 10
ids=$(catalogue_ids 60 --movies 60 --deleted 0)
run_ingest ids $ids --rate 40 --workers 5 --retries 8
is "$RC" 0 "exit 0: every movie eventually fetched"
is "$(sql 'SELECT count(*) FROM movies')" 60 "60 movies stored"
fake_snapshot
n429=$(fake_stat status.429)
diag "429 answers: $n429 for 60 movies"
[ "${n429:-0}" -le 20 ]
ok $? "429s stay few ($n429 ≤ 20): all workers back off together"
like "$ERR" "throttled=[0-9]" "the summary reports throttling"

# At its default rate (35/s) the tool stays under TMDB's CDN ceiling of
# about 40 requests in any second: no 429 at all.
stop_fake
start_fake --movies 150 --deleted 0 --rate-limit 40
ids=$(catalogue_ids 150 --movies 150 --deleted 0)
run_ingest ids $ids --workers 20 --retries 8
fake_snapshot
is "$RC:$(fake_stat status.429)" "0:0" "the default rate against a 40/s ceiling: exit 0, no 429"

done_testing
