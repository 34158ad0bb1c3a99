#!/bin/sh
# A real full filesystem (a tmpfs, not a file-size limit) is said as one:
# "No space left on device", naming the database or SQLite's temporary
# directory. A filesystem out of inodes (df -i: many small files) refuses
# to create the database, its -wal or -shm, or a temporary file, and SQLite,
# retrying the file read-only, reported "No such file or directory": the
# operator looked for a missing path. Space freed, the next run loads all.
# Needs root to mount a tmpfs: skipped, saying so, otherwise.
. "$(dirname "$0")/lib.sh"
plan 15

MNT=$TMP/mnt
mkdir -p "$MNT"
MOUNTED=
unmount() {
    [ -z "$MOUNTED" ] || umount "$MNT" 2>/dev/null
    MOUNTED=
}
trap 'unmount; cleanup' EXIT

# mount_small INODES: a fresh tmpfs on $MNT with room for INODES files
# (its root directory takes one).
mount_small() {
    unmount
    mount -t tmpfs -o "size=16m,nr_inodes=$1" tmpfs "$MNT" 2>/dev/null || return 1
    MOUNTED=1
}

# fill_inodes: create empty files until the filesystem refuses one.
fill_inodes() {
    fi_n=0
    while touch "$MNT/fill$fi_n" 2>/dev/null; do fi_n=$((fi_n + 1)); done
}

if [ "$(id -u)" != 0 ] || ! mount_small 16; then
    skip 15 "needs root to mount a small tmpfs (mount -t tmpfs)"
    done_testing
fi

start_fake --movies 30 --deleted 0
MDB=$MNT/t.sqlite3

# The first run: its lock file made, then no inode is left for the database.
touch "$MDB.lock"
fill_inodes
"$BIN" --db "$MDB" --no-progress list now_playing --rate 0 </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "no inode for the database file: exit 1"
like "$(cat "$TMP/err")" "t\.sqlite3: .*No space left on device" \
    "the error names the database and says the filesystem is full"
unlike "$(cat "$TMP/err")" "No such file or directory" "and does not call a file missing"

# A database restored (one file, no -wal or -shm beside it), then the
# filesystem fills with files: the load cannot make its -wal.
mount_small 16
run_ingest list now_playing --rate 0
"$BIN" --db "$DB" --no-progress backup "$TMP/backup.sqlite3" 2>/dev/null
cp "$TMP/backup.sqlite3" "$MDB"
touch "$MDB.lock"
fill_inodes
"$BIN" --db "$MDB" --no-progress list now_playing --pages all --rate 0 </dev/null \
    >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "no inode for the database's -wal: exit 1"
like "$(cat "$TMP/err")" "t\.sqlite3: .*No space left on device" \
    "the error says the filesystem is full"
unlike "$(cat "$TMP/err")" "No such file or directory" "and does not call a file missing"

# Space freed: the next run loads everything, the database whole.
rm -f "$MNT"/fill*
"$BIN" --db "$MDB" --no-progress list now_playing --pages all --rate 0 </dev/null \
    >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "space freed: the next run ends ok"
is "$(sqlite3 -batch -noheader "$MDB" 'PRAGMA integrity_check')" ok "integrity_check ok"
is "$(sqlite3 -batch -noheader "$MDB" 'SELECT count(*) FROM movies')" 30 "every movie stored"

# SQLite's temporary files (a merge's statement journal, for a part of
# 300 movies with their credits) on a filesystem out of inodes, the
# database's own disk fine: the error names the temporary directory and
# what moves it, not the database as missing.
start_fake --movies 300 --deleted 0
PART=$TMP/part.sqlite3
"$BIN" --db "$PART" --no-progress list now_playing --pages all --append credits,keywords \
    --rate 0 </dev/null >/dev/null 2>&1
mount_small 16
fill_inodes
env -u SQLITE_TMPDIR TMPDIR="$MNT" "$BIN" merge "$TMP/merged.sqlite3" "$PART" \
    </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "temporary directory out of inodes: the merge exits 1"
like "$(cat "$TMP/err")" "No space left on device: the filesystem of SQLite's temporary files, $MNT" \
    "the error names the temporary directory's filesystem as full"
unlike "$(cat "$TMP/err")" "No such file or directory" "and does not call a file missing"

# An export read from a pipe is copied to $TMPDIR first: that filesystem
# full, the error says where the copy was going, not only "copying
# /dev/stdin", which reads as the input failing.
mount_small 64
dd if=/dev/zero of="$MNT/fill" bs=4096 2>/dev/null # until it is full
"$PYTHON" "$FAKE" --movies 300 --deleted 0 --write-export "$TMP/export.json.gz" >/dev/null
cat "$TMP/export.json.gz" |
    TMPDIR=$MNT "$BIN" --db "$TMP/export.sqlite3" --no-progress export --file /dev/stdin \
        --rate 0 >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "an export from a pipe, \$TMPDIR full: exit 1"
like "$(cat "$TMP/err")" "temporary file in $MNT \(\\\$TMPDIR\): No space left on device" \
    "the error names the temporary directory and says it is full"
is "$(sqlite3 -batch -noheader "$TMP/export.sqlite3" 'SELECT status FROM runs')" failed \
    "the run is recorded failed"
unmount

done_testing
