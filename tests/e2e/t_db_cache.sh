#!/bin/sh
# --db-cache sizes the page cache of the connection that writes: a load and
# a merge use it (the -vv log says what SQLite took), the rows come out the
# same as with the default, and the read-only commands refuse it.
. "$(dirname "$0")/lib.sh"
plan 9

start_fake --movies 60 --deleted 0
ids=$(catalogue_ids 60 --movies 60 --deleted 0)
# The columns a load writes, without the time of the fetch.
content() {
    sqlite3 -batch -noheader "$1" "SELECT id, title, revenue, vote_average, raw_json,
        (SELECT group_concat(genre_id) FROM movie_genres WHERE movie_id = m.id)
        FROM movies m ORDER BY id" | cksum
}

run_ingest --rate 0 --batch 1000 --db-cache 8M -vv ids $ids
is "$RC" 0 "a load with --db-cache 8M exits 0"
like "$ERR" "database page cache: 8192 KiB" "-vv shows SQLite took the 8 MiB cache"
is "$(sql 'SELECT count(*) FROM movies')" 60 "every movie stored"

big=$(content "$DB")
mv "$DB" "$TMP/big.sqlite3"
rm -f "$DB-wal" "$DB-shm"
run_ingest --rate 0 -vv ids $ids
like "$ERR" "database page cache: 2048 KiB" "the default cache is 2 MiB"
is "$(content "$DB")" "$big" "the same rows as with the default cache"

"$BIN" merge "$TMP/out.sqlite3" "$TMP/big.sqlite3" --db-cache 16M -vv >"$TMP/out" 2>"$TMP/err"
RC=$?
ERR=$(cat "$TMP/err")
is "$RC" 0 "merge with --db-cache exits 0"
like "$ERR" "database page cache: 16384 KiB" "merge sizes its output's cache"

run_ingest --db-cache 8M stats
if [ "$RC" = 2 ] && printf '%s' "$ERR" | grep -q -- "--db-cache applies to the commands that write rows"; then
    ok 0 "stats refuses --db-cache (exit 2)"
else
    ok 1 "stats refuses --db-cache (exit 2)"
    diag "rc=$RC stderr: $ERR"
fi
run_ingest --db-cache 10K ids 1
if [ "$RC" = 2 ] && printf '%s' "$ERR" | grep -q "at least 64K"; then
    ok 0 "a cache under 64K is a usage error (exit 2)"
else
    ok 1 "a cache under 64K is a usage error (exit 2)"
    diag "rc=$RC stderr: $ERR"
fi

done_testing
