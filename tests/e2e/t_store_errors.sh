#!/bin/sh
# What the database side does with a file it cannot use. Another program's
# SQLite database whose user_version happens to be one of ours (1 to 7) is
# not a tmdb-ingest database: a load refuses it, byte for byte untouched
# (before, one of version 6 was given the whole schema and a language, and
# one of an older version failed in a migration: "no such table"), and so
# do stats and merge, saying why. A merge input with a corrupt page (a
# part damaged on its way back) stops the merge with nothing of it merged,
# and the message names the input as the corrupt one: SQLite's "database
# disk image is malformed" named only OUT, the intact database. A load on
# a database with a corrupt page stops at the first write that meets it,
# exit 1, naming the step: the table of failures (the run then recorded
# failed), or of runs (before the run begins: nothing recorded), or where
# a resume reads the movies an interrupted run settled.
. "$(dirname "$0")/lib.sh"
plan 17

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

GOOD=$TMP/good.sqlite3 BAD=$TMP/bad.sqlite3 MERGED=$TMP/merged.sqlite3
DB=$GOOD run_ingest ids "$id" --rate 0
DB=$BAD run_ingest list now_playing --rate 0
# corrupt FILE TABLE: the first page of TABLE made unreadable, a b-tree
# page that claims 65535 cells; sets root to its number
corrupt() {
    root=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_schema WHERE name = '$2'")
    printf '\015\377\377\377\377\377\377\377' |
        dd of="$1" bs=1 seek=$(((root - 1) * $(sqlite3 "$1" "PRAGMA page_size"))) conv=notrunc \
            2>/dev/null
}
corrupt "$BAD" movies
"$BIN" merge "$MERGED" "$GOOD" "$BAD" 2>"$TMP/err"
is "$?" 1 "merging an input with a corrupt page: exit 1"
like "$(cat "$TMP/err")" "bad\.sqlite3 is corrupt \(PRAGMA quick_check: Page $root: .*\): nothing of it merged into .*merged\.sqlite3" \
    "the message names the input as the corrupt one"
unlike "$(cat "$TMP/err")" "merged\.sqlite3: merge: .*malformed" "not OUT, which is intact"
is "$(sqlite3 "$MERGED" "SELECT count(*) FROM movies; SELECT count(*) FROM runs; PRAGMA integrity_check")" \
    "$(printf '1\n1\nok')" "OUT holds the first input's movie and run, none of the second's, intact"
"$BIN" merge "$MERGED" "$GOOD" 2>"$TMP/err"
is "$?" 0 "and takes the next merge"

cp "$GOOD" "$TMP/failures.sqlite3"
corrupt "$TMP/failures.sqlite3" fetch_failures
DB=$TMP/failures.sqlite3 run_ingest ids 99999999 --rate 0
like "$RC:$ERR" "^1:.*failures\.sqlite3: record failure of movie 99999999: database disk image is malformed" \
    "a corrupt page where a load records a 404: exit 1, the step named"
is "$(sqlite3 "$TMP/failures.sqlite3" "SELECT group_concat(status, ' ') FROM runs")" "ok failed" \
    "the run is recorded failed"
cp "$GOOD" "$TMP/runs.sqlite3"
corrupt "$TMP/runs.sqlite3" runs
DB=$TMP/runs.sqlite3 run_ingest ids "$id" --rate 0
like "$RC:$ERR" "^1:.*runs\.sqlite3: mark unfinished runs aborted: database disk image is malformed" \
    "a corrupt page of runs: exit 1 before the run begins, the step named"
# A run to resume, whose settled movies cannot be read: the load stops
# before any request, rather than fetch again what it could not read.
cp "$GOOD" "$TMP/resume.sqlite3"
sqlite3 "$TMP/resume.sqlite3" "UPDATE runs SET status = 'interrupted'"
corrupt "$TMP/resume.sqlite3" sqlite_autoindex_fetch_failures_1
fake_reset
DB=$TMP/resume.sqlite3 run_ingest ids "$id" --rate 0
fake_snapshot
like "$RC:$(fake_stat requests):$ERR" "^1:0:.*resume\.sqlite3: read the movies of run 1: database disk image is malformed" \
    "a corrupt page where a resume reads what it settled: exit 1, no request, the step named"

done_testing
