#!/bin/sh
# The README's tour, run as written: load the demo data (scripts/demo.sh, as
# `make demo` does), then every command of the block between <!-- tour -->
# and <!-- end of tour --> with build/demo.sqlite3 and build/tmdb-ingest
# pointing at this test's database and binary. A newcomer who reads only
# the README finds a Korean title, runs the example queries, and dumps.
. "$(dirname "$0")/lib.sh"
plan 11

DEMO_DB=$DB TMDB_INGEST_DEMO_BIN=$BIN sh "$ROOT/scripts/demo.sh" >"$TMP/demo.out" 2>&1
is "$?" 0 "the demo loads"
sed -n '/^<!-- tour -->$/,/^<!-- end of tour -->$/p' "$ROOT/README.md" |
    sed -e '/^<!--/d' -e '/^```/d' >"$TMP/tour.sh"
is "$(grep -c . "$TMP/tour.sh")" 7 "the tour has its seven commands"
cd "$ROOT" || exit 1
# (quoted in the script: the checkout's path, the binary's, may hold a space)
sed -e "s|build/demo.sqlite3|'$DB'|g" -e "s|build/tmdb-ingest|'$BIN'|g" \
    -e "s|> movies.jsonl|> '$TMP/movies.jsonl'|" -e "s| cast.csv| '$TMP/cast.csv'|g" \
    "$TMP/tour.sh" >"$TMP/tour.run"
sh -e "$TMP/tour.run" >"$TMP/tour.out" 2>"$TMP/tour.err"
is "$?" 0 "every command of the tour succeeds"
out=$(cat "$TMP/tour.out")
like "$out" "Movies +[0-9]+ stored" "stats shows what the demo stored"
like "$out" "괴물" "search finds a Korean title"
is "$(grep -c '^== sql/queries/' "$TMP/tour.out")" "$(ls "$ROOT"/sql/queries/*.sql | wc -l | tr -d ' ')" \
    "every example query ran"
is "$(grep -c . "$TMP/movies.jsonl")" "$(sql 'SELECT count(*) FROM movies')" "dump wrote every movie"
like "$(cat "$TMP/tour.err")" "next time: --since 1" "dump said where to start next time"
like "$out" "credit_id" "the CSV of cast rows has its header"
# A dump piped into `head` stops at its first write after head has gone:
# "error: writing the dump: Broken pipe", exit 1, as documented, but not
# what a newcomer following the tour should read (and only now and then,
# as the pipe's buffer and head race). The tour keeps tmdb-ingest's output
# out of readers that stop early, and says no error.
unlike "$(grep -E '(^|[^a-z])tmdb-ingest .*\| *head' "$TMP/tour.sh")" . \
    "no command of the tour pipes tmdb-ingest into head"
unlike "$(cat "$TMP/tour.err")" "error" "no command of the tour writes an error"

done_testing
