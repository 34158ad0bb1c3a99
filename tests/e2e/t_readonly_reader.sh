#!/bin/sh
# A user who may read the database but not write in its directory can read
# it between loads: SQLite opens a WAL database, even read-only, only when
# DB-shm exists or it can create it, and the last connection to close used
# to delete it. A load now leaves DB-wal (emptied) and DB-shm in place; when
# they are gone anyway (another program closed last), the error says so.
# A load by a user who owns the file but may not write in its directory
# fails when DB-wal and DB-shm are not there (SQLite must make them), and
# says that the directory is the cause (SQLite says "attempt to write a
# readonly database" of a file this user may write).
# Runs the readers as nobody (setpriv): needs root.
. "$(dirname "$0")/lib.sh"
plan 13

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do echo "ok $i # SKIP needs root and setpriv to read as another user"; done
    exit 0
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

chmod 755 "$TMP"
mkdir -m 755 "$TMP/ro"
RO=$TMP/ro/movies.sqlite3
start_fake --movies 40 --deleted 2
DB=$RO
run_ingest list now_playing --rate 0
is "$RC" 0 "a load exits 0"
ok "$([ -e "$RO-shm" ] && [ -e "$RO-wal" ] && echo 0 || echo 1)" "it leaves DB-shm and DB-wal in place"
is "$(stat -c %s "$RO-wal")" 0 "the WAL emptied"
out=$(as_nobody "$BIN" --db "$RO" stats 2>&1)
like "$out" "Movies +[0-9]+ stored" "another user reads it with tmdb-ingest stats"
is "$(as_nobody sqlite3 -readonly "$RO" 'SELECT count(*) FROM movies' 2>&1)" \
    "$(sqlite3 "$RO" 'SELECT count(*) FROM movies')" "and with sqlite3 -readonly"
# the sqlite3 shell above, as root, closed last: it deleted them
rm -f "$RO-shm" "$RO-wal"
out=$(as_nobody "$BIN" --db "$RO" stats 2>&1)
like "$out" "its -shm file does not exist, and this user may not create it" \
    "without DB-shm the error names the cause"
"$BIN" --db "$RO" stats >/dev/null 2>&1
ok "$([ -e "$RO-shm" ] && echo 0 || echo 1)" "stats by the owner puts it back"
like "$(as_nobody "$BIN" --db "$RO" stats 2>&1)" "Movies +[0-9]+ stored" "and the other user reads again"

# Made by an older version (7), it needs an upgrade this user may not
# make: exit 1, saying who can (a monitoring user who may only read was
# told the directory must be writable "by the user running loads").
sqlite3 "$RO" "ALTER TABLE runs DROP COLUMN error; ALTER TABLE runs DROP COLUMN exit_status;
    PRAGMA user_version = 7; PRAGMA journal_mode = DELETE" >/dev/null || bail "could not make it version 7"
out=$(as_nobody "$BIN" --db "$RO" stats 2>&1)
like "$?:$out" "^1:.*its schema needs an upgrade( first)?, which only a user who may write the database can make: the next load makes it" \
    "an older database this user may not upgrade: exit 1, saying the next load upgrades it"
"$BIN" --db "$RO" stats >/dev/null 2>&1
like "$(as_nobody "$BIN" --db "$RO" stats 2>&1)" "Movies +[0-9]+ stored" "once the owner upgraded it, read"

chown 65534:65534 "$RO"
rm -f "$RO-shm" "$RO-wal"
cp "$RO" "$TMP/ro.orig"
out=$(as_nobody "$BIN" --db "$RO" --no-progress list now_playing --rate 0 2>&1 </dev/null)
is "$?" 1 "a load by the file's owner, who may not write in its directory: exit 1"
like "$out" "movies\.sqlite3: .*attempt to write a readonly database \(its directory may not be written by this user\)" \
    "the message names the directory as the cause"
cmp -s "$RO" "$TMP/ro.orig"
ok $? "the file is left as it was"

done_testing
