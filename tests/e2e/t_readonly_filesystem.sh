#!/bin/sh
# stats, dump, search and merge read a database on a read-only filesystem
# (a snapshot, a backup mount, a read-only container volume): SQLite opens
# a WAL database only through DB-shm, which it cannot make there, and said
# "unable to open database file (No such file or directory)" of a file
# that is there. Without DB-shm or DB-wal, and no transaction in DB-wal,
# the file is read immutable; with both there, SQLite reads them as they
# are (transactions in DB-wal included); transactions in DB-wal without
# DB-shm are refused, saying to copy both files.
#
# The filesystem is made read-only for the reader alone: a read-only bind
# mount in a mount namespace of its own (unshare), so nothing stays
# mounted. Where that cannot be done the test fails, never skips.
. "$(dirname "$0")/lib.sh"
plan 16

# on_readonly DIR COMMAND...: run COMMAND with DIR read-only (EROFS)
on_readonly() {
    unshare ${RO_USERNS:-} --mount sh -c \
        'd=$1; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@"' \
        sh "$@"
}
mkdir "$TMP/probe"
if ! on_readonly "$TMP/probe" true 2>/dev/null; then
    RO_USERNS="--user --map-root-user"
    if ! on_readonly "$TMP/probe" true 2>"$TMP/probe.err"; then
        # a failure of this file, saying why; not a Bail out!, which would
        # stop every other file of the suite (a container, a chroot)
        echo "not ok 1 - a read-only mount can be made here (unshare --mount, as root or in a user namespace): $(cat "$TMP/probe.err")"
        exit 1
    fi
fi
on_readonly "$TMP/probe" touch "$TMP/probe/x" 2>"$TMP/probe.err"
like "$?:$(cat "$TMP/probe.err")" "^1:.*Read-only file system" "the bind mount is read-only (EROFS)"

start_fake --movies 40 --deleted 2
run_ingest list now_playing --pages all --rate 0
is "$RC" 0 "a load"
title=$(sql "SELECT title FROM movies ORDER BY popularity DESC LIMIT 1")
"$BIN" --db "$DB" dump >"$TMP/dump.want" 2>/dev/null
"$BIN" --db "$DB" search "$title" >"$TMP/search.want" 2>/dev/null

# reader DIR COMMAND ARGS...: tmdb-ingest on DIR/test.sqlite3, DIR read-only
reader() {
    d=$1
    shift
    on_readonly "$d" "$BIN" --db "$d/test.sqlite3" --no-progress "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# A copy of the database file alone (cp, a backup): no DB-wal, no DB-shm.
mkdir "$TMP/snap"
cp "$DB" "$TMP/snap/"
reader "$TMP/snap" stats
like "$RC:$(printf '%s\n' "$OUT" | grep Movies)" "^0:Movies +38 stored" "stats reads a copy without -wal and -shm (exit 0)"
reader "$TMP/snap" dump
is "$RC:$(cksum <"$TMP/out")" "0:$(cksum <"$TMP/dump.want")" "dump reads it, every row as from the original"
like "$ERR" "next time: --since 1" "and gives the next --since"
reader "$TMP/snap" search "$title"
is "$RC:$(cksum <"$TMP/out")" "0:$(cksum <"$TMP/search.want")" "search reads it, the same matches"
is "$(ls "$TMP/snap")" "test.sqlite3" "nothing was made beside it"

# The database's own directory, read through a read-only mount while no
# load runs: DB-wal (emptied) and DB-shm as the load left them, then with
# DB-shm alone (another program deleted DB-wal), then with DB-wal alone,
# still empty (another program deleted DB-shm).
mkdir "$TMP/view"
cp "$DB" "$DB-wal" "$DB-shm" "$TMP/view/"
reader "$TMP/view" stats
like "$RC:$(printf '%s\n' "$OUT" | grep Movies)" "^0:Movies +38 stored" "stats reads it with DB-wal and DB-shm there"
rm "$TMP/view/test.sqlite3-wal"
reader "$TMP/view" stats
like "$RC:$(printf '%s\n' "$OUT" | grep Movies)" "^0:Movies +38 stored" "and with DB-shm alone"
cp "$DB-wal" "$TMP/view/"
rm "$TMP/view/test.sqlite3-shm"
reader "$TMP/view" stats
like "$RC:$(stat -c %s "$TMP/view/test.sqlite3-wal"):$(printf '%s\n' "$OUT" | grep Movies)" \
    "^0:0:Movies +38 stored" "and with DB-wal alone, empty"

# Transactions in DB-wal not yet in the database file: a writer that did
# not checkpoint (killed). With DB-shm there SQLite reads them; without it
# immutable=1 would read the file without them: refused.
mkdir "$TMP/wal"
cp "$DB" "$TMP/wal/"
"$PYTHON" - "$TMP/wal/test.sqlite3" <<'PY'
import os, shutil, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_autocheckpoint = 0")
c.execute("UPDATE movies SET title = 'only in the wal' WHERE id = (SELECT min(id) FROM movies)")
c.commit()
for suffix in ("-wal", "-shm"):
    shutil.copy(sys.argv[1] + suffix, sys.argv[1] + suffix + ".kept")
os._exit(0)  # no close: no checkpoint
PY
for suffix in -wal -shm; do mv "$TMP/wal/test.sqlite3$suffix.kept" "$TMP/wal/test.sqlite3$suffix"; done
reader "$TMP/wal" dump
like "$RC:$OUT" "^0:.*only in the wal" "with DB-shm there, the transaction in DB-wal is read"
rm "$TMP/wal/test.sqlite3-shm"
reader "$TMP/wal" stats
is "$RC" 1 "without DB-shm, a DB-wal holding transactions: exit 1"
like "$ERR" "test.sqlite3: cannot read it on this read-only filesystem: its -wal file holds transactions not yet in the database file.*copy the database with its -wal file to a writable directory" \
    "the error names the cause and what to do"

# A load on a read-only filesystem (remounted so after disk errors) where
# its lock file is, but DB-wal and DB-shm are not (a sqlite3 session closed
# last): SQLite, its read-write open refused, reads the file read-only and
# cannot make DB-shm. Said "unable to open database file (No such file or
# directory)" of a file that is there; now the cause.
mkdir "$TMP/load"
cp "$DB" "$TMP/load/"
: >"$TMP/load/test.sqlite3.lock"
cp "$TMP/load/test.sqlite3" "$TMP/load.orig"
on_readonly "$TMP/load" "$BIN" --db "$TMP/load/test.sqlite3" --no-progress --rate 0 \
    list now_playing </dev/null >"$TMP/out" 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^1:.*test\.sqlite3: .*\(it is on a read-only file system\)" \
    "a load on a read-only filesystem without DB-shm: exit 1, the cause said"
unlike "$(cat "$TMP/err")" "No such file or directory" "not a missing file"

# merge reads its inputs read-only: a part on a read-only mount
on_readonly "$TMP/snap" "$BIN" --no-progress merge "$TMP/merged.sqlite3" "$TMP/snap/test.sqlite3" \
    >/dev/null 2>"$TMP/err"
is "$?:$(sqlite3 "$TMP/merged.sqlite3" 'SELECT count(*) FROM movies' 2>&1)" "0:38" \
    "merge takes a part on a read-only filesystem"

done_testing
