#!/bin/sh
# A column a user added to a table of the database (ALTER TABLE by hand:
# a reviewer's note on movies) that a shard merged into it lacks is left
# as it is: the movies merged keep their value, new ones get NULL. Before,
# merge named it in its SELECT from the shard, where SQLite took the
# double-quoted name for a string: every movie merged read 'reviewer'.
. "$(dirname "$0")/lib.sh"
plan 3

start_fake --movies 20 --deleted 0
set -- $(catalogue_ids 4 --movies 20 --deleted 0)
SHARD=$TMP/shard.sqlite3
run_ingest ids "$1" "$2" --rate 0
sql "ALTER TABLE movies ADD COLUMN reviewer TEXT; UPDATE movies SET reviewer = 'kim'"
sleep 1.1 # whole seconds: the shard's fetch is the later one
"$BIN" --db "$SHARD" --no-progress ids "$2" "$3" --rate 0 2>/dev/null

"$BIN" merge "$DB" "$SHARD" 2>"$TMP/merge.err"
is "$?" 0 "merge exits 0"
is "$(sql "SELECT coalesce(reviewer, 'NULL') FROM movies WHERE id = $2")" kim \
    "a movie taken from the shard keeps the user's value"
is "$(sql "SELECT coalesce(reviewer, 'NULL') FROM movies WHERE id = $3")" NULL \
    "a new movie from the shard has none"

done_testing
