#!/bin/sh
# A third of the movies fail their first two attempts with a mix of 502
# with an HTML body, 503 with Retry-After, a reset connection and a 30 s
# stall. The run still exits 0 with every movie stored exactly once; the
# stalls are cut by --timeout, not waited out; the faults cost exactly two
# extra requests per faulty movie.
. "$(dirname "$0")/lib.sh"
plan 6

N=45
start_fake --movies $N --deleted 0 --fault-fraction 0.34 --fault-attempts 2 \
    --fault-kinds 502html,503,reset,stall --stall-seconds 30
ids=$(catalogue_ids $N --movies $N --deleted 0)
start=$(date +%s)
run_ingest ids $ids --timeout 2 --retries 3 --rate 0
elapsed=$(( $(date +%s) - start ))
is "$RC" 0 "exit 0"
is "$(sql 'SELECT count(*) FROM movies')" $N "every movie stored"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "nothing recorded as failed"
fake_snapshot
faulty=$(fake_stat faults_injected)
details=$(fake_stat by_endpoint.details)
diag "faults injected: $faulty; detail requests: $details for $N movies; ${elapsed}s"
is "$details" $((N + faulty)) "one extra request per injected fault ($faulty faults)"
[ "$faulty" -ge 28 ]
ok $? "about a third of the movies got two faults each ($faulty faults)"
[ "$elapsed" -lt 60 ]
ok $? "stalls were cut, not waited out (${elapsed}s)"

done_testing
