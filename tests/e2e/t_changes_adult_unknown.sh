#!/bin/sh
# changes without --include-adult leaves out only the results that say
# "adult": true. One whose flag is null (not known) is not said to be
# adult: it is fetched and stored as any other.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 3

FAKE_OPTS="--movies 300 --deleted 5"
day() { date -u -d "$1 day" +%F; }
start_fake $FAKE_OPTS --changes-adult-null
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -3)" "$(day -1)" | sort -n >"$TMP/expected"
run_ingest changes --since "$(day -3)" --rate 0
is "$RC" 0 "changes exits 0"
fake_snapshot
fake_fetched_ids >"$TMP/fetched"
is "$(tr '\n' ' ' <"$TMP/fetched")" "$(tr '\n' ' ' <"$TMP/expected")" \
    "every id changed in the days read is fetched, whatever its null adult flag"
live=$("$PYTHON" "$FAKE" $FAKE_OPTS --dump-catalogue | "$PYTHON" -c '
import json, sys
changed = {int(l) for l in open(sys.argv[1])}
print(sum(1 for l in sys.stdin if json.loads(l)["id"] in changed and not json.loads(l)["deleted"]))' \
    "$TMP/expected")
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NULL')" "$live" \
    "each live one stored"
done_testing
