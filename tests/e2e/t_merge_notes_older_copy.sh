#!/bin/sh
# TMDB's CDN may serve a later fetch a copy made before the one an earlier
# fetch stored (another edge, another cache). A load notes such a movie in
# stale_copies, needing a copy as new as the stored one, since a changes run
# may have read the change the stored copy held already (the cursor is past
# it). merge keeps the later fetch's values too, and so must note the movie
# the same way, in either order of the databases: before, the merged
# database went back to the older copy's values with no note, while the
# cursor stayed past the change, so no run fetched the movie again.
# Copies of the same time (a database merged again) note nothing.
. "$(dirname "$0")/lib.sh"
plan 10

day() { date -u -d "$1 day" +%F; }
# --stale-details: a body holds the changes made up to its copy's time;
# the fake's today is yesterday, so a copy made now holds every change.
FAKE_OPTS="--movies 100 --deleted 0 --today $(day -1) --stale-details"
IDS=$(catalogue_ids 5 --movies 100 --deleted 0)
FRESH=$TMP/fresh.sqlite3 OLDER=$TMP/older.sqlite3 ONE=$TMP/one.sqlite3

start_fake $FAKE_OPTS --cache-age 0
"$BIN" --db "$FRESH" --no-progress -q ids $IDS --rate 0
"$BIN" --db "$ONE" --no-progress -q ids $IDS --rate 0
sleep 1 # the later fetch, a later second
start_fake $FAKE_OPTS --cache-age 172800 # copies made 2 days ago
"$BIN" --db "$OLDER" --no-progress -q ids $IDS --rate 0 2>/dev/null
"$BIN" --db "$ONE" --no-progress -q ids $IDS --rate 0 2>/dev/null
stop_fake
notes() { sqlite3 "$1" "SELECT movie_id || '|' || needed_from FROM stale_copies ORDER BY movie_id"; }
is "$(sqlite3 "$ONE" 'SELECT count(*) FROM stale_copies')" 5 \
    "one database that loaded both fetches in turn notes the 5 movies"

for order in "$FRESH $OLDER" "$OLDER $FRESH"; do
    rm -f "$DB"*
    # shellcheck disable=SC2086 # two paths
    run_ingest merge "$DB" $order
    is "$RC" 0 "merge $(basename "${order% *}") then $(basename "${order#* }"): exit 0"
    like "$ERR" "warning: .*: 5 movie\(s\) of .* were fetched later from a copy older than the earlier fetch's .*noted in stale_copies" \
        "the merge says how many it noted"
    # (the earlier fetch's copy is FRESH's own: ONE's first fetch, a run of
    # its own, may have been served a copy of the next second)
    is "$(notes "$DB")" "$(sqlite3 "$FRESH" "SELECT id || '|' || copy_made_at FROM movies ORDER BY id")" \
        "the later fetch's older copy is noted, needing one as new as the earlier fetch's"
    is "$(sql "SELECT count(*) FROM movies m JOIN stale_copies s ON s.movie_id = m.id
        WHERE s.copy_made_at = m.copy_made_at")" 5 "with the copy it was served"
done

rm -f "$DB"*
run_ingest merge "$DB" "$FRESH" "$FRESH"
is "$(sql 'SELECT count(*) FROM stale_copies')" 0 \
    "a database merged again (copies of the same time) notes nothing"

done_testing
