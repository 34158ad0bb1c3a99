#!/bin/sh
# A shard merged into the database after a downstream pull, whose movies
# were fetched before the run that pull ended at: `dump --since` the id it
# printed sends them, with their rows and their run. A
# merge keeps the shard's fetch times, older than that run's end, so the
# dump starts from the first run after the id given, the shard's (a
# dump from the second after that run ended, dated by the fetches, never
# sent them).
. "$(dirname "$0")/lib.sh"
plan 4

start_fake --movies 60 --deleted 0
set -- $(catalogue_ids 20 --movies 60 --deleted 0)
SHARD="$TMP/shard.sqlite3"
"$BIN" --db "$SHARD" --no-progress ids $1 $2 $3 $4 $5 --rate 0 --append credits 2>/dev/null
# whole seconds: the shard's run ends before the database's starts
sleep 1.1
shift 5
run_ingest ids "$@" --rate 0 --append credits
run_ingest dump
next=$(printf '%s' "$ERR" | sed -n 's/.*next time: --since \([0-9]*\)$/\1/p')
is "$next" 1 "the downstream job pulls after run 1"

"$BIN" merge "$DB" "$SHARD" 2>/dev/null
run_ingest dump --since "$next"
got=$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
print(" ".join(str(r["id"]) for r in map(json.loads, filter(str.strip, sys.stdin)) if r["fetched_at"] < sys.argv[1]))' \
    "$(sql 'SELECT started_at FROM runs WHERE id = 1')")
is "$(echo $got | wc -w):$got" "5:$(sql "SELECT group_concat(id, ' ') FROM (SELECT m.id FROM movies m
    WHERE m.fetched_at < (SELECT started_at FROM runs WHERE id = 1) ORDER BY m.id)")" \
    "dump --since that run sends the 5 movies the shard fetched before it"
run_ingest dump --since "$next" --table movie_cast
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
print(len({r["movie_id"] for r in map(json.loads, filter(str.strip, sys.stdin))}))')" \
    "$(sql 'SELECT count(DISTINCT movie_id) FROM movie_cast')" "with their cast"
run_ingest dump --since "$next" --table runs
is "$(printf '%s\n' "$OUT" | grep -c "shard.sqlite3")" 1 "and the shard's run"

done_testing
