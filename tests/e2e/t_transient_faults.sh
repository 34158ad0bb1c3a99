#!/bin/sh
# Transient faults are retried: 502, 503 and 504 with CloudFront's HTML
# body, 503 with Retry-After, a reset connection, a 500 and a stall cut by
# --timeout; every movie is stored exactly once and the run exits 0. An
# export download answered 503 waits the Retry-After it gives, 0 included.
. "$(dirname "$0")/lib.sh"
plan 9

CAT="--movies 30 --deleted 0"
set -- $(catalogue_ids 10 $CAT)
start_fake $CAT --stall-seconds 30 --fault "$1:502html:2" --fault "$2:503:1" --fault "$3:reset:2" \
    --fault "$4:500:1" --fault "$5:stall:1" --fault "$6:504:2" --fault "$7:429:1" \
    --fault "$8:503html:1" --fault "$9:504html:1"
start=$(date +%s)
run_ingest ids "$@" --timeout 2 --retries 3 --rate 0
elapsed=$(( $(date +%s) - start ))
is "$RC" 0 "exit 0 despite transient faults"
is "$(sql 'SELECT count(*) FROM movies')" 10 "every movie stored"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "nothing recorded as failed"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 22 "12 extra requests for the 12 injected faults"
is "$(sql 'SELECT retries FROM runs')" 12 "runs.retries counts them"
[ "$elapsed" -lt 25 ]
ok $? "the 30 s stall was cut by --timeout, not waited out (${elapsed}s)"
like "$ERR" "retries=12" "summary reports the retries"

# -vv says each retry, naming the request it repeats: the retries of five
# workers interleave, and one that named none could be told from no other.
start_fake $CAT --fault "$1:500:1"
DB=$TMP/vv.sqlite3
run_ingest -vv ids "$1" "$2" --rate 0
like "$ERR" "tmdb-ingest: http://127\.0\.0\.1:[0-9]+/3/movie/$1\?[^ ]*: attempt 1 failed \(HTTP 500" \
    "-vv: a retry names the request it repeats"

# An export download answered 503 is retried after the Retry-After the
# answer gives, even 0: at once (a 0 is the server's word, not a missing
# one calling for the back-off).
TODAY=$(date -u +%F)
start_fake $CAT --today "$TODAY" --export-busy 1:0
DB=$TMP/export.sqlite3
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0
like "$RC:$ERR" "^0:.*export download failed \(HTTP 503[^)]*\); retrying in 0\.0s" \
    "an export download answered 503 with Retry-After: 0 is retried at once"

done_testing
