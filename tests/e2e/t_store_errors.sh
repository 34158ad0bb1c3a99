#!/bin/sh
# What the database side does with a file it cannot use. Another program's
# SQLite database whose user_version happens to be one of ours (1 to 7) is
# not a tmdb-ingest database: a load refuses it, byte for byte untouched
# (before, one of version 6 was given the whole schema and a language, and
# one of an older version failed in a migration: "no such table"), and so
# do stats and merge, saying why.
. "$(dirname "$0")/lib.sh"
plan 8

start_fake --movies 20 --deleted 0
id=$(catalogue_ids 1 --movies 20 --deleted 0)

FOREIGN=$TMP/foreign.sqlite3
sqlite3 "$FOREIGN" "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO notes VALUES (1, 'theirs'); PRAGMA user_version = 6"
cp "$FOREIGN" "$TMP/foreign.orig"
DB=$FOREIGN run_ingest ids "$id" --rate 0
is "$RC" 1 "a load on another program's database of user_version 6: exit 1"
like "$ERR" "foreign\.sqlite3: not a tmdb-ingest database \(no language\); refusing to touch it" \
    "and says it is not ours"
cmp -s "$FOREIGN" "$TMP/foreign.orig"
ok $? "the file is left byte for byte as it was"
sqlite3 "$FOREIGN" "PRAGMA user_version = 3"
cp "$FOREIGN" "$TMP/foreign.orig"
DB=$FOREIGN run_ingest ids "$id" --rate 0
like "$RC:$ERR" "^1:.*not a tmdb-ingest database \(no language\)" \
    "user_version 3 too: exit 1, said (not a migration's 'no such table')"
cmp -s "$FOREIGN" "$TMP/foreign.orig"
ok $? "and left as it was"
DB=$FOREIGN run_ingest stats
like "$RC:$ERR" "^1:.*foreign\.sqlite3: not a tmdb-ingest database \(no language\)" \
    "stats: exit 1, said"
"$BIN" merge "$TMP/out.sqlite3" "$FOREIGN" 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^2:.*foreign\.sqlite3: not a tmdb-ingest database \(no language\)" \
    "as a merge input: exit 2, not ours (not 'a load on it upgrades it')"
ok "$([ -e "$TMP/out.sqlite3" ] && echo 1 || echo 0)" "and OUT is not made"

done_testing
