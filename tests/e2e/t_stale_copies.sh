#!/bin/sh
# TMDB's CDN serves details from copies made hours before (Cache-Control:
# public, max-age=...). A changes run must not take a copy made before the
# end of the window that listed the movie as its change: it stores it (no
# older than what it had), notes the movie in stale_copies, warns, exits 0
# and moves the cursor; stats says how many wait. The next changes run
# fetches exactly those again, besides its own days (here it has none),
# stores what TMDB holds after the change, and clears them; the one after
# fetches nothing. An ids run clears a note too; merge keeps the notes.
# An export served copies 2 days old marks changes complete only from the
# copies' day, and so does the next export that does not fetch those movies
# again: one that skips them (--max-age), or one that resumes the run that
# stored them; each movie keeps its copy's time (movies.copy_made_at).
#
# The fake's --stale-details makes a body hold only the changes made up to
# its copy's time (vote_count + 7 each) and leaves Age uncapped. Its today
# is yesterday, so every change is in the past and a copy made now holds
# them all, whatever the time of day. Two windows: [-20, -7] needs a copy
# made from day -6, [-6, -1] one made from today; copies 2 days old
# (--cache-age 172800) satisfy the first, never the second.
. "$(dirname "$0")/lib.sh"
# The runs below read days by this machine's clock: one that straddles
# midnight has a new day to read.
one_utc_day
plan 41

day() { date -u -d "$1 day" +%F; }
FAKE_OPTS="--movies 300 --deleted 5 --today $(day -1) --stale-details"

# final: id|vote_count as a copy made now holds them (every change in)
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-catalogue | "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if not m["deleted"]:
        print("%d|%d" % (m["id"], m["vote_count"]))' | sort >"$TMP/final"
[ -s "$TMP/final" ]; ok $? "the fake's catalogue as a copy made now holds it"
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -6)" "$(day -1)" | sort >"$TMP/window2"
"$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -1)" "$(day -1)" | sort >"$TMP/lastday"

start_fake $FAKE_OPTS --cache-age 172800
run_ingest changes --since "$(day 0)" --rate 0 # makes the database; nothing to read
sql "INSERT INTO meta (key, value) VALUES ('changes_from', '$(day -20)')"
run_ingest changes --rate 0
is "$RC" 0 "copies older than the change: exit 0 (nothing failed)"
sql "SELECT id FROM movies" | sort >"$TMP/stored"
comm -12 "$TMP/window2" "$TMP/stored" >"$TMP/expected"
n=$(wc -l <"$TMP/expected" | tr -d ' ')
diag "$n stored movies changed in $(day -6)..$(day -1), $(wc -l <"$TMP/stored" | tr -d ' ') stored"
[ "$n" -gt 5 ]; ok $? "the later window has movies to note ($n)"
like "$ERR" "warning: $n movie\(s\) were served copies older than their change \(TMDB's cache\); the next 'changes' run fetches them again" \
    "the run says how many"
sql "SELECT movie_id FROM stale_copies" | sort >"$TMP/noted"
is "$(cmp -s "$TMP/noted" "$TMP/expected" && echo same)" same \
    "noted: exactly the movies of the later window (a copy 2 days old holds the earlier one)"
is "$(sql "SELECT DISTINCT needed_from FROM stale_copies")" "$(day 0)T00:00:00Z" \
    "each needs a copy made from today 00:00 UTC"
is "$(sql "SELECT count(*) FROM stale_copies WHERE copy_made_at >= needed_from")" 0 \
    "and records the older copy it was served"
sql "SELECT id || '|' || vote_count FROM movies WHERE id IN ($(paste -sd, "$TMP/lastday"))" |
    sort >"$TMP/pre"
is "$(comm -12 "$TMP/pre" "$TMP/final" | wc -l | tr -d ' ')" 0 \
    "the movies changed yesterday were stored as before their change (vote_count)"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$(day 0)" "the cursor moves on"
run_ingest stats
like "$OUT" "$n movie\(s\) wait to be fetched again by the next changes run: $n served copies older than their change \(TMDB's cache\), 0 without a copy" \
    "stats says how many wait"
run_ingest stats --format json
is "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["changes"]["stale_copies"])')" \
    "$n" "stats --format json: changes.stale_copies"
cp "$DB" "$TMP/after1.sqlite3"

# An ids run of one noted movie, from a fresh copy: its note goes, the
# others stay.
one=$(head -1 "$TMP/expected")
start_fake $FAKE_OPTS --cache-age 0
DB=$TMP/ids.sqlite3
cp "$TMP/after1.sqlite3" "$DB"
run_ingest ids "$one" --rate 0
is "$RC:$(sql "SELECT count(*) FROM stale_copies WHERE movie_id = $one"):$(sql 'SELECT count(*) FROM stale_copies')" \
    "0:0:$((n - 1))" "ids with a fresh copy clears that movie's note only"

# changes --shard 0/2 (on a database holding both shards' notes): it
# fetches, counts and says the noted movies of its shard only; the other
# shard's stay noted.
DB=$TMP/shard.sqlite3
cp "$TMP/after1.sqlite3" "$DB"
awk '$1 % 2 == 0' "$TMP/expected" >"$TMP/expected0"
n0=$(wc -l <"$TMP/expected0" | tr -d ' ')
[ "$n0" -gt 0 ] && [ "$n0" -lt "$n" ]; ok $? "both shards have noted movies ($n0 of $n in shard 0/2)"
fake_reset
run_ingest -v changes --shard 0/2 --rate 0
like "$ERR" "tmdb-ingest: $n0 movie\(s\) noted by earlier runs \(served copies older than their change, failed, or left out by an export\) are fetched again" \
    "changes --shard 0/2 says how many of its shard it fetches again"
fake_snapshot
fake_stat detail_requests_per_id | "$PYTHON" -c '
import json, sys
print("\n".join(sorted(json.load(sys.stdin))))' >"$TMP/fetched0"
is "$(cmp -s "$TMP/fetched0" "$TMP/expected0" && echo same):$(sql 'SELECT requested, fetched FROM runs ORDER BY id DESC LIMIT 1')" \
    "same:$n0|$n0" "it fetched exactly those, and its run counts them"
is "$(sql 'SELECT count(*) FROM stale_copies WHERE movie_id % 2 = 1'):$(sql 'SELECT count(*) FROM stale_copies')" \
    "$((n - n0)):$((n - n0))" "the other shard's notes wait, its own are cleared"
DB=$TMP/test.sqlite3

# The next changes run, against a fresh cache: no new day, the noted movies.
fake_reset
run_ingest changes --rate 0
is "$RC" 0 "the next changes run: exit 0"
unlike "$ERR" "older than their change" "no warning"
fake_snapshot
fake_stat detail_requests_per_id | "$PYTHON" -c '
import json, sys
print("\n".join(sorted(json.load(sys.stdin))))' >"$TMP/fetched"
is "$(cmp -s "$TMP/fetched" "$TMP/expected" && echo same)" same "it fetched exactly the noted movies"
is "$(fake_stat by_endpoint.details)" "$n" "each once"
is "$(sql 'SELECT count(*) FROM stale_copies')" 0 "and cleared every note"
sql "SELECT id || '|' || vote_count FROM movies" | sort >"$TMP/now"
is "$(comm -23 "$TMP/now" "$TMP/final" | wc -l | tr -d ' '):$(wc -l <"$TMP/now" | tr -d ' ')" \
    "0:$(wc -l <"$TMP/stored" | tr -d ' ')" "every stored movie holds what TMDB holds after its changes"
run_ingest stats --format json
is "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["changes"]["stale_copies"])')" \
    0 "stats: none waits"

fake_reset
run_ingest changes --rate 0
fake_snapshot
is "$RC:$(fake_stat by_endpoint.details)" "0:0" "a third run fetches nothing"

# merge keeps every note of either database, with the later need.
DB=$TMP/merged.sqlite3
run_ingest merge "$TMP/merged.sqlite3" "$TMP/test.sqlite3" "$TMP/after1.sqlite3"
is "$RC" 0 "merge of the database after the first run and after the second"
sql "SELECT movie_id FROM stale_copies" | sort >"$TMP/merged_noted"
is "$(cmp -s "$TMP/merged_noted" "$TMP/expected" && echo same)" same \
    "the merged database keeps the notes (the next changes run fetches them once more)"
sqlite3 "$TMP/after1.sqlite3" "UPDATE stale_copies SET needed_from = '$(day 1)T00:00:00Z'"
run_ingest merge "$TMP/merged.sqlite3" "$TMP/after1.sqlite3"
is "$(sql "SELECT DISTINCT needed_from FROM stale_copies")" "$(day 1)T00:00:00Z" \
    "merged again with later needs: the later need wins"
# A note of a failed fetch (no copy, t_failed_refetch.sh) merged: its NULL
# copy and the earlier noted_at win.
sqlite3 "$TMP/after1.sqlite3" "UPDATE stale_copies SET copy_made_at = NULL,
    noted_at = '2020-01-01T00:00:00Z' WHERE movie_id = $(head -1 "$TMP/expected")"
run_ingest merge "$TMP/merged.sqlite3" "$TMP/after1.sqlite3"
is "$(sql "SELECT movie_id FROM stale_copies WHERE copy_made_at IS NULL AND noted_at = '2020-01-01T00:00:00Z'")" \
    "$(head -1 "$TMP/expected")" "a failed fetch's note merged: no copy, the earlier noted_at"

# An export served copies 2 days old holds none of the changes made since
# they were made: changes are complete only from the oldest copy's day,
# not from the export's, so the next changes run reads those days again.
DB=$TMP/export.sqlite3
start_fake $FAKE_OPTS --cache-age 172800
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
is "$RC:$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "0:$(day -2)" \
    "an export served copies 2 days old: the cursor at the oldest copy's day"
is "$(sql "SELECT count(*) FROM movies WHERE deleted_at IS NULL AND NOT copy_made_at < '$(day -1)'")" \
    0 "each movie keeps the time of the copy it was stored from (2 days old)"

# The movies a later export does not fetch again keep those copies: their
# fetch times (minutes ago) do not hold the cursor back, their copies'
# days must. Skipped by --max-age the same day:
start_fake $FAKE_OPTS --cache-age 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0 --max-age 1d -v
fake_snapshot
is "$RC:$(fake_stat by_endpoint.details):$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" \
    "0:0:$(day -2)" "export --max-age 1d skips every movie: the cursor stays at their copies' day"
like "$ERR" "stored movies this export did not fetch again .* are from copies made as early as $(day -2)T" \
    "it says why"
# Fetched again from fresh copies, they no longer hold it back.
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
is "$RC:$(sql "SELECT value FROM meta WHERE key = 'changes_from'"):$(sql "SELECT count(*) FROM movies WHERE copy_made_at < '$(day 0)'")" \
    "0:$(day -1):0" "fetched again from fresh copies: their times replace the old, the cursor at the export's day"

# Settled by an export killed part-way, from copies 2 days old: the export
# that resumes it fetches the rest from fresh copies, and the cursor stays
# at the old copies' day, not the resumed run's.
DB=$TMP/export_resumed.sqlite3
start_fake $FAKE_OPTS --cache-age 172800 --latency-ms 20
"$BIN" --db "$DB" --no-progress export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" \
    --rate 0 --workers 2 --batch 10 </dev/null >/dev/null 2>&1 &
pid=$!
wait_for_movies 20 "$pid"
kill -9 "$pid"
wait "$pid" 2>/dev/null
stored=$(sql 'SELECT count(*) FROM movies')
[ "$stored" -ge 20 ] && [ "$stored" -lt 250 ]
ok $? "the first export was killed part-way ($stored stored)"
start_fake $FAKE_OPTS --cache-age 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0 -v
is "$RC:$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "0:$(day -2)" \
    "the export resuming it from fresh copies: the cursor at the killed run's copies' day"
like "$ERR" "resuming after run 1: $stored movies" "it resumed the killed run"

DB=$TMP/export_fresh.sqlite3
start_fake $FAKE_OPTS --cache-age 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
is "$RC:$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "0:$(day -1)" \
    "served fresh copies: the cursor at the export's day"

# A movie the nightly changes run stored after its change, then served to
# a later run from a copy made before that change (TMDB's CDN serves copies
# hours old, not always the newest it has served): the cursor is past the
# change already and does not move back, so the movie must not be left
# holding the data from before it without a note. Here an export of
# yesterday from fresh copies, the changes run after it, then an export
# served copies 2 days old.
DB=$TMP/regress.sqlite3
start_fake $FAKE_OPTS --cache-age 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
run_ingest changes --rate 0
is "$RC:$(sql "SELECT value FROM meta WHERE key = 'changes_from'"):$(sql 'SELECT count(*) FROM stale_copies')" \
    "0:$(day 0):0" "export, then changes from fresh copies: complete through yesterday, nothing noted"
# The same database with no copy times, as the upgrade from version 4
# leaves the movies stored (5.sql: NULL, which counts as their fetch).
sqlite3 "$DB" ".backup '$TMP/regress_v4.sqlite3'"
sqlite3 "$TMP/regress_v4.sqlite3" "UPDATE movies SET copy_made_at = NULL"
start_fake $FAKE_OPTS --cache-age 172800
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
sql "SELECT id || '|' || vote_count FROM movies WHERE id IN ($(paste -sd, "$TMP/lastday"))
     AND deleted_at IS NULL AND id NOT IN (SELECT movie_id FROM stale_copies)" |
    sort >"$TMP/unnoted"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'"):$(comm -23 "$TMP/unnoted" "$TMP/final" | tr '\n' ' ')" \
    "$(day 0):" "then an export from older copies: every movie changed yesterday holds its change, or is noted"

# Stored before version 5, the copies those movies came from are unknown:
# their fetch, the latest time they can have been made, stands for them,
# so the same export from older copies notes them too (before, a NULL copy
# time was never newer than another: it put back the data from before the
# change, unnoted, exit 0).
DB=$TMP/regress_v4.sqlite3
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day -1)" --rate 0
is "$RC:$(sql 'SELECT group_concat(movie_id) FROM stale_copies')" \
    "0:$(sqlite3 "$TMP/regress.sqlite3" 'SELECT group_concat(movie_id) FROM stale_copies')" \
    "movies stored without a copy time: exit 0, the same notes as where their copies are known"
sql "SELECT id || '|' || vote_count FROM movies WHERE id IN ($(paste -sd, "$TMP/lastday"))
     AND deleted_at IS NULL AND id NOT IN (SELECT movie_id FROM stale_copies)" |
    sort >"$TMP/unnoted"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'"):$(comm -23 "$TMP/unnoted" "$TMP/final" | tr '\n' ' ')" \
    "$(day 0):" "and every movie of it changed yesterday holds its change, or is noted"

done_testing
