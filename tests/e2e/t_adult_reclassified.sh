#!/bin/sh
# A movie stored as not adult that TMDB marks adult later (it does, now and
# then), in a database loaded without --include-adult: the nightly changes
# leaves it out without a word (before, a warning of the run's setup, kept
# under -q, said the export that stored it had been given --include-adult
# and to add --include-adult to the changes line, pulling adult movies
# into a database that holds none); the next export marks it deleted, as
# it left TMDB's list of movies that are not adult; when TMDB marks it not
# adult again, changes fetches it and it is live again, also downstream
# (dump --since).
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 15

FAKE_OPTS="--movies 300 --deleted 5"
day() { date -u -d "$1 day" +%F; }
start_fake $FAKE_OPTS
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day 0)" --rate 0
is "$RC" 0 "export without --include-adult"
is "$(sql "SELECT count(*) FROM movies WHERE adult = 1")" 0 "stores no adult movie"

# A stored movie that /movie/changes lists for the days read below
victim=$("$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -3)" "$(day -1)" | while read -r id; do
    [ "$(sql "SELECT count(*) FROM movies WHERE id = $id")" = 1 ] && echo "$id" && break
done)
[ -n "$victim" ] || bail "no stored movie changed from $(day -3) to $(day -1)"
fetched=$(sql "SELECT fetched_at FROM movies WHERE id = $victim")

start_fake $FAKE_OPTS --adult "$victim"
run_ingest changes --since "$(day -3)" --rate 0 -q
is "$RC:$ERR" "0:" "TMDB marked stored movie $victim adult: changes -q exits 0 and says nothing"
is "$(sql "SELECT fetched_at, adult, deleted_at IS NULL FROM movies WHERE id = $victim")" \
    "$fetched|0|1" "and leaves it as it was"

# The export's day is after its fetch (as for the weekly export)
sql "UPDATE movies SET fetched_at = '$(day -2)T00:00:00Z' WHERE id = $victim"
last=$(sql "SELECT max(id) FROM runs")
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day 0)" --rate 0 --max-age 1d
is "$RC" 0 "the next export exits 0"
is "$(sql "SELECT deleted_at IS NOT NULL FROM movies WHERE id = $victim")" 1 \
    "and marks it deleted: gone from TMDB's list of movies that are not adult"
"$BIN" --db "$DB" dump --since "$last" >"$TMP/dump" 2>"$TMP/dump.err"
is "$(grep -c "\"id\":$victim," "$TMP/dump")" 1 "dump --since the run before sends it"

start_fake $FAKE_OPTS
last=$(sql "SELECT max(id) FROM runs")
run_ingest changes --since "$(day -3)" --rate 0 -q
is "$RC" 0 "TMDB marked it not adult again: changes exits 0"
is "$(sql "SELECT adult, deleted_at IS NULL FROM movies WHERE id = $victim")" "0|1" \
    "it is fetched and live again"
"$BIN" --db "$DB" dump --since "$last" >"$TMP/dump" 2>"$TMP/dump.err"
is "$(grep "\"id\":$victim," "$TMP/dump" | grep -c '"deleted_at":null')" 1 \
    "dump --since the run before sends it, live"

# Stored as adult (by ids here; an export or changes with --include-adult
# likewise), it is said: the database was loaded with adult movies
start_fake $FAKE_OPTS --adult "$victim"
run_ingest ids "$victim" --rate 0
is "$(sql "SELECT adult FROM movies WHERE id = $victim")" 1 "stored as adult by ids"
run_ingest changes --since "$(day -3)" --rate 0
like "$RC:$ERR" "^0:.*warning: 1 adult movie\(s\) stored here changed and were not fetched: .*add --include-adult" \
    "then changes without --include-adult says it left it out"
# A changes result whose adult flag is null (not known) is fetched: a movie
# stored as adult whose details say adult is not one TMDB marked adult
# since its page named it, and stays live as it does when the flag says so
start_fake $FAKE_OPTS --adult "$victim" --changes-adult-null
run_ingest changes --since "$(day -3)" --rate 0
is "$RC:$(sql "SELECT adult, deleted_at IS NULL FROM movies WHERE id = $victim")" "0:1|1" \
    "stored as adult, its changes result's adult flag null: changes keeps it live"

# TMDB marks a movie adult after the morning's export file was made (an
# export fetches for hours from a file of the same morning): the export
# without --include-adult that fetches it from that file must not keep it
# live as an adult movie, or no later export marks it deleted (adult ones
# are aside without TMDB's adult list) and the database holds an adult
# movie nobody asked for, for good.
DB=$TMP/second.sqlite3
file=$TMP/movie_ids_$(date -u +%m_%d_%Y).json.gz
"$PYTHON" "$FAKE" $FAKE_OPTS --write-export "$file"
start_fake $FAKE_OPTS --adult "$victim"
run_ingest export --file "$file" --rate 0
is "$RC" 0 "an export from a file made before TMDB marked $victim adult: exit 0"
sql "UPDATE movies SET fetched_at = '$(day -2)T00:00:00Z'"
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(day 0)" --rate 0 --max-age 1d
is "$(sql "SELECT count(*) FROM movies WHERE id = $victim AND deleted_at IS NULL")" 0 \
    "$victim is not live after the next export: not adult unless asked"

done_testing
