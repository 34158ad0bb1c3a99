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
plan 10

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
# a night one part's changes did not move it (TMDB down for that machine)
sqlite3 "$TMP/part1.sqlite3" "UPDATE meta SET value = '$(date -u -d '-1 day' +%F)'
    WHERE key = 'changes_from'"
"$BIN" merge "$OUT" "$TMP/part0.sqlite3" "$TMP/part1.sqlite3" 2>/dev/null
is "$(cursor "$OUT")" "$(date -u -d '-1 day' +%F)" \
    "every part merged again, one behind: OUT's cursor is the earliest, not the latest"

# A part whose export TMDB stopped (exit 7) holds no cursor, and OUT
# merged with it none either (warned); once that export is run again to
# its end, merging every part again gives OUT its cursor back (before,
# only an export on OUT did: its cursor only ever moved back).
OUT=$TMP/out2.sqlite3
stop_fake
start_fake --movies 120 --deleted 2 --outage-after 10
"$BIN" --db "$TMP/q1.sqlite3" --no-progress -q export --export-base "$FAKE_URL/p/exports" \
    --date "$(date -u +%F)" --rate 0 --shard 1/2 --retries 0 --give-up-after 3 2>/dev/null
rc=$?
stop_fake
start_fake --movies 120 --deleted 2
"$BIN" --db "$TMP/q0.sqlite3" --no-progress -q export --export-base "$FAKE_URL/p/exports" \
    --date "$(date -u +%F)" --rate 0 --shard 0/2
"$BIN" merge "$OUT" "$TMP/q0.sqlite3" "$TMP/q1.sqlite3" 2>"$TMP/err"
like "$rc:$(cursor "$OUT"):$(tr '\n' ' ' <"$TMP/err")" "^7:none:.*no changes cursor after merging .*q1\.sqlite3: it has none" \
    "a part stopped by an outage: OUT merged with it has no cursor, said"
"$BIN" merge "$OUT" "$TMP/q0.sqlite3" 2>"$TMP/err"
like "$(cursor "$OUT"):$(tr '\n' ' ' <"$TMP/err")" "^none:.*no changes cursor after merging .*q0\.sqlite3: a part merged before had none" \
    "the complete part merged again alone: OUT still has none, said"
"$BIN" --db "$TMP/q1.sqlite3" --no-progress -q export --export-base "$FAKE_URL/p/exports" \
    --date "$(date -u +%F)" --rate 0 --shard 1/2
"$BIN" merge "$OUT" "$TMP/q0.sqlite3" "$TMP/q1.sqlite3" 2>"$TMP/err"
is "$?:$(cursor "$OUT"):$(grep -c 'no changes cursor' "$TMP/err")" "0:$(date -u +%F):0" \
    "that part's export run again to its end: merged again, OUT has the parts' cursor back"
# a load on OUT itself: OUT then holds what no part does, and merging the
# parts keeps its cursor as the merges leave it (the earlier)
sqlite3 "$OUT" "INSERT INTO meta (key, value) VALUES ('changes_from', '$(date -u -d '-2 day' +%F)')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value"
"$BIN" --db "$OUT" --no-progress -q ids 550 --rate 0 2>/dev/null
"$BIN" merge "$OUT" "$TMP/q0.sqlite3" "$TMP/q1.sqlite3" 2>/dev/null
is "$(cursor "$OUT")" "$(date -u -d '-2 day' +%F)" \
    "after a load on OUT itself, merging the parts keeps OUT's earlier cursor"

done_testing
