#!/bin/sh
# The nightly sharded flow: each machine runs `changes --shard K/N` on its
# own part, and the parts are merged again into the same OUT after each
# night. Once every part has moved on, OUT's changes cursor is the earliest
# of the parts' (README, merge): OUT holds nothing but what the parts hold,
# each movie as new as in its part. Merging one part alone keeps OUT's own
# cursor (another part's movies in OUT are as old as its last merge). The
# cursor stayed where the first merge put it, night after night: `stats`
# said "complete through" that day, and 90 days later `changes` on OUT
# refused and asked for a full export.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 5

start_fake --movies 120 --deleted 2
cursor() { sqlite3 "$1" "SELECT coalesce((SELECT value FROM meta WHERE key = 'changes_from'), 'none')"; }
OUT=$TMP/out.sqlite3
for k in 0 1; do
    "$BIN" --db "$TMP/part$k.sqlite3" --no-progress -q export --export-base "$FAKE_URL/p/exports" \
        --date "$(date -u +%F)" --rate 0 --shard "$k/2"
done
# as if the exports had run three days ago, and OUT had been merged then
for k in 0 1; do
    sqlite3 "$TMP/part$k.sqlite3" \
        "UPDATE meta SET value = '$(date -u -d '-3 day' +%F)' WHERE key = 'changes_from'"
done
"$BIN" merge "$OUT" "$TMP/part0.sqlite3" "$TMP/part1.sqlite3" 2>/dev/null
is "$(cursor "$OUT")" "$(date -u -d '-3 day' +%F)" "the first merge: the parts' cursor"

# the nights since: each part brought up to date by its own changes run
for k in 0 1; do
    "$BIN" --db "$TMP/part$k.sqlite3" --no-progress -q changes --rate 0 --shard "$k/2"
done
is "$(cursor "$TMP/part0.sqlite3"):$(cursor "$TMP/part1.sqlite3")" \
    "$(date -u +%F):$(date -u +%F)" "each part's changes run moves its cursor to today"

"$BIN" merge "$OUT" "$TMP/part0.sqlite3" 2>/dev/null
is "$(cursor "$OUT")" "$(date -u -d '-3 day' +%F)" \
    "one part merged again: OUT's cursor stays (the other part's movies are as they were)"
"$BIN" merge "$OUT" "$TMP/part0.sqlite3" "$TMP/part1.sqlite3" 2>/dev/null
is "$?" 0 "every part merged again: exit 0"
is "$(cursor "$OUT")" "$(date -u +%F)" \
    "and OUT's cursor moves on to the earliest of the parts'"

done_testing
