#!/bin/sh
# A stored movie an export marked deleted (gone from that day's file: cut
# short by less than --max-deletions, say) that a later export names again
# is live again, also when that export's filters leave it out: a video
# movie (changes stores those) without --include-video, one below
# --min-popularity. No later run would fetch it (changes only when it
# changes): it stayed deleted, and downstream without it, while TMDB
# listed it every day.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 6

FAKE_OPTS="--movies 60 --deleted 2"
TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d "$TODAY -1 day" +%F)
BEFORE=$(date -u -d "$TODAY -2 day" +%F)
start_fake $FAKE_OPTS
EXPORT_BASE="$FAKE_URL/p/exports"
curl -s -o "$TMP/export.gz" "$EXPORT_BASE/movie_ids_$(date -u -d "$TODAY" +%m_%d_%Y).json.gz"
video=$(video_id $FAKE_OPTS)
# the least popular of the movies an export keeps, and a --min-popularity
# just above it
set -- $(gzip -dc "$TMP/export.gz" | "$PYTHON" -c '
import json, sys
e = min((e for e in map(json.loads, sys.stdin) if not e["adult"] and not e["video"]),
        key=lambda e: e["popularity"])
print(e["id"], e["popularity"] + 0.001)')
low=$1 min_pop=$2

run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
run_ingest ids "$video" --rate 0
is "$RC:$(sql "SELECT count(*) FROM movies WHERE id IN ($video, $low) AND deleted_at IS NULL")" \
    "0:2" "the video movie (stored as changes stores it) and the least popular one are stored"

# Yesterday's export without the two, all stored movies fetched the day
# before: it marks them deleted.
mkdir -p "$TMP/cut"
CUT="$TMP/cut/movie_ids_$(date -u -d "$YESTERDAY" +%m_%d_%Y).json.gz"
gzip -dc "$TMP/export.gz" | "$PYTHON" -c '
import json, sys
left_out = {int(sys.argv[1]), int(sys.argv[2])}
sys.stdout.writelines(l for l in sys.stdin if json.loads(l)["id"] not in left_out)' \
    "$video" "$low" | gzip >"$CUT"
sql "UPDATE movies SET fetched_at = '${BEFORE}T05:00:00Z'"
run_ingest export --file "$CUT" --rate 0 --max-age 3d
is "$RC:$(sql "SELECT count(*) FROM movies WHERE id IN ($video, $low) AND deleted_at IS NOT NULL")" \
    "0:2" "an export that does not name them marks them deleted"

# Today's export names them again.
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 3d
is "$RC" 0 "today's export, without --include-video: exit 0"
is "$(sql "SELECT deleted_at IS NULL FROM movies WHERE id = $video")" 1 \
    "the video movie it names again is live again"
sql "UPDATE movies SET deleted_at = '${YESTERDAY}T06:00:00Z' WHERE id = $low"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 3d \
    --min-popularity "$min_pop"
is "$RC" 0 "today's export, with --min-popularity $min_pop: exit 0"
is "$(sql "SELECT deleted_at IS NULL FROM movies WHERE id = $low")" 1 \
    "the movie below it that it names again is live again"

done_testing
