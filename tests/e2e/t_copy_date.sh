#!/bin/sh
# An answer's Date says when TMDB's cache made the copy it serves, which
# holds the changes cursor of an export and notes a changes run's movie
# stale. A Date no copy can have (1 January 1990, or a day ahead of this
# machine: a broken cache's or proxy's clock) is taken as none: the movie
# is stored with copy_made_at NULL (counted as its fetch), and an export
# that met one marks its day complete, not one months back.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 5

FAKE_OPTS="--movies 40 --deleted 0"
TODAY=$(date -u +%F)
# three movies the export lists (neither adult nor a video)
# shellcheck disable=SC2086
set -- $("$PYTHON" "$FAKE" --dump-catalogue $FAKE_OPTS | "$PYTHON" -c '
import json, sys
ms = [json.loads(l) for l in sys.stdin if l.strip()]
print(" ".join([str(m["id"]) for m in ms if not (m["adult"] or m["video"] or m["deleted"])][:3]))')
past=$1 future=$2 good=$3
start_fake $FAKE_OPTS --fault "$past:date_past" --fault "$future:date_future"
run_ingest ids "$past" "$future" "$good" --rate 0
is "$RC" 0 "exit 0: the movies are stored"
is "$(sql "SELECT count(*) FROM movies WHERE id IN ($past, $future) AND copy_made_at IS NULL")" 2 \
    "a Date of 1990 or of tomorrow: no copy time"
is "$(sql "SELECT substr(copy_made_at, 1, 10) FROM movies WHERE id = $good")" "$TODAY" \
    "a believable Date is kept"

rm -f "$DB"*
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0
is "$RC" 0 "an export that met them: exit 0"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$TODAY" \
    "its day is complete: the cursor is not held back by a Date of 1990"
done_testing
