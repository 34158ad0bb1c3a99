#!/bin/sh
# A video movie stored by changes (whose answers carry no video flag, so it
# stores them) and not fetched again by an export without --include-video
# holds the changes cursor at its fetch: the export used to move the cursor
# to its day, so what changed in that movie over nights changes did not run
# was never read (found simulating skipped nights between changes runs).
. "$(dirname "$0")/lib.sh"
plan 7

FAKE_OPTS="--movies 60 --deleted 2"
# before the fake starts: it serves today's export even when midnight comes
# in between (its own today is then the next day)
TODAY=$(date -u +%F)
OLD=$(date -u -d "$TODAY -5 day" +%F)
start_fake $FAKE_OPTS
EXPORT_BASE="$FAKE_URL/p/exports"
video=$(video_id $FAKE_OPTS)
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }

run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
run_ingest ids "$video" --rate 0
is "$RC:$(sql "SELECT video FROM movies WHERE id = $video")" "0:1" \
    "a video movie stored as changes stores it"
# The nightly changes stopped 5 days ago, just after they fetched it.
sql "UPDATE movies SET fetched_at = '${OLD}T05:00:00Z' WHERE id = $video;
     UPDATE meta SET value = '$OLD' WHERE key = 'changes_from'"

run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
is "$RC" 0 "an export without --include-video: exit 0"
is "$(sql "SELECT fetched_at FROM movies WHERE id = $video")" "${OLD}T05:00:00Z" \
    "it did not fetch the video movie"
is "$(cursor)" "$OLD" "so the cursor stays at that movie's fetch: changes read those days again"
like "$ERR" "were not fetched again by this export.*--include-video" "and the warning says why"

run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 1h \
    --include-video
is "$(cursor)" "$TODAY" "--include-video fetches it again: the cursor moves to the export's day"

# --max-age skips the movies fetched since a bound; the cursor waits for the
# oldest of those fetches, not for the bound, which at 00:30 UTC with
# --max-age 1h is yesterday: the export left the cursor a day short (and
# these tests failed between 00:00 and 01:00 UTC).
YESTERDAY=$(date -u -d '-1 day' +%F)
sql "UPDATE movies SET fetched_at = '${YESTERDAY}T12:00:00Z';
     UPDATE meta SET value = '$OLD' WHERE key = 'changes_from'"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 3d \
    --include-video
is "$RC:$(cursor)" "0:$YESTERDAY" \
    "--max-age 3d skips movies all fetched yesterday: the cursor moves to yesterday, not 3 days back"

done_testing
