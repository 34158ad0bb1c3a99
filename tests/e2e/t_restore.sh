#!/bin/sh
# restore BACKUP puts a backup in place of the database: lost, or left
# with a -wal of its own by a killed load, it then holds exactly the
# backup's rows, and the next run is numbered past the gap. It refuses,
# leaving the database as it was, while a load holds the lock or a reader
# has the database open (which would write its -wal into the restored
# file), and a backup that is damaged, not ours, or missing. A copy made
# without `backup` is marked as a backup's is. A copy of a database in WAL
# mode with its -wal (a filesystem snapshot taken while a load ran) is
# restored with the commits in its -wal, as SQLite reads it.
. "$(dirname "$0")/lib.sh"
plan 42

start_fake --movies 300 --deleted 0 --latency-ms 20
run_ingest list popular --pages 2 --rate 0 --append credits,keywords
B="$TMP/backup.sqlite3"
run_ingest -q backup "$B"
content() {
    sqlite3 -batch "$1" .dump |
        grep -v -e '^PRAGMA' -e "^INSERT INTO meta VALUES('backup_made_at'" \
            -e "^INSERT INTO meta VALUES('replaced_last_run'"
}
backup_content=$(content "$B" | md5sum)

# A night after the backup; the database is then lost.
run_ingest ids 999001 --rate 0 --append credits,keywords
rm -f "$DB" "$DB-wal" "$DB-shm"
run_ingest restore "$B"
is "$RC:$OUT" "0:" "restore into a lost database: exit 0, nothing on stdout"
like "$ERR" "restored $DB from $B \\(a backup made 20[0-9T:Z-]+\\): [0-9]+ movies, runs through 1; the next run is numbered from 1000001" \
    "it says what it restored and how the next run is numbered"
is "$(content "$DB" | md5sum)" "$backup_content" "the database holds the backup's rows"
is "$(cmp "$B" "$TMP/backup.sqlite3" >/dev/null; echo $?):$(ls "$TMP" | grep -c 'tmp-')" "0:0" \
    "the backup is only read; no temporary file is left"
run_ingest ids 999002 --rate 0 --append credits,keywords
is "$RC:$(sql 'SELECT max(id) FROM runs'):$(sql 'PRAGMA journal_mode')" "0:1000001:wal" \
    "the next load runs on it, numbered past the gap, in WAL mode"

# A load killed with commits in DB-wal: restore takes them away with it.
"$BIN" --db "$DB" --no-progress list top_rated --pages all --workers 1 --batch 5 --rate 0 \
    >/dev/null 2>&1 &
load=$!
wait_for "the load's commits" $load sh -c "[ \$(stat -c %s '$DB-wal' 2>/dev/null || echo 0) -gt 0 ]"
run_ingest restore "$B"
is "$RC" 6 "restore while a load runs: exit 6"
like "$ERR" "nothing restored" "saying nothing was restored"
kill -KILL $load
wait $load 2>/dev/null
ok "$([ -s "$DB-wal" ]; echo $?)" "the killed load left commits in DB-wal"
# A filesystem snapshot of the database now: DB, DB-wal and DB-shm.
mkdir "$TMP/snap" "$TMP/snap-read"
cp "$DB" "$DB-wal" "$DB-shm" "$TMP/snap/"
cp "$DB" "$DB-wal" "$TMP/snap-read/"
mkdir "$TMP/mount"
cp "$DB" "$DB-wal" "$TMP/mount/"
snap_content=$(content "$TMP/snap-read/$(basename "$DB")" | md5sum)
snap_files=$(cd "$TMP/snap" && md5sum *)
run_ingest restore "$B"
is "$RC:$(content "$DB" | md5sum):$(ls "$DB-wal" 2>/dev/null | wc -l)" "0:$backup_content:0" \
    "restored over it: the backup's rows, DB-wal gone with the database it belonged to"

# The database's mode, and its owner when root restores it (the service
# user's), are the restored file's: the service's loads and readers go on.
chmod 640 "$DB"
[ "$(id -u)" = 0 ] && chown nobody "$DB"
run_ingest restore "$B"
is "$RC:$(stat -c %a "$DB"):$(stat -c %U "$DB")" "0:640:$(id -un | sed 's/^root$/nobody/')" \
    "restored over it: the database's mode (and owner, by root) kept"

# The snapshot restored: with the commits its DB-wal holds, which a copy
# of DB alone lacks; the snapshot only read.
run_ingest restore "$TMP/snap/$(basename "$DB")"
is "$RC:$(content "$DB" | md5sum)" "0:$snap_content" \
    "a snapshot of a database in WAL mode, restored: the rows its DB-wal holds too"
is "$(cd "$TMP/snap" && md5sum *):$(ls "$TMP" | grep -c 'tmp-')" "$snap_files:0" \
    "the snapshot's files only read, none added; no temporary file is left"
is "$(sqlite3 "$DB" 'PRAGMA journal_mode')" "delete" \
    "restored from a database in WAL mode, it is one file in rollback mode, as a backup is"
run_ingest restore "$B"

# A database the copy cannot be renamed over (a bind mount point, as a
# container's `-v FILE:FILE` makes it: EBUSY), with a killed load's
# commits in DB-wal: left as it was, DB-wal too.
M=$TMP/mount/$(basename "$DB")
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    cp "$M" "$TMP/mounted.sqlite3"
    wal_before=$(md5sum <"$M-wal")
    RC=0
    unshare -m sh -c 'mount --bind "$1" "$2" && exec "$3" --db "$2" restore "$4"' sh \
        "$TMP/mounted.sqlite3" "$M" "$BIN" "$B" 2>"$TMP/err" || RC=$?
    is "$RC:$(md5sum <"$M-wal" 2>&1):$(ls "$TMP/mount" | grep -c 'tmp-')" "1:$wal_before:0" \
        "a database the copy cannot be renamed over: exit 1, its DB-wal as it was, no temporary file"
    like "$(cat "$TMP/err")" "Device or resource busy \\(nothing restored\\)" "saying why"
    # Its DB-shm a bind mount point: it cannot be moved aside with DB-wal,
    # and would be left beside the copy; nothing restored, DB-wal put back.
    : >"$TMP/shm-mount"
    before=$(md5sum <"$M")
    RC=0
    unshare -m sh -c ': >"$2-shm" && mount --bind "$1" "$2-shm" && exec "$3" --db "$2" restore "$4"' \
        sh "$TMP/shm-mount" "$M" "$BIN" "$B" 2>"$TMP/err" || RC=$?
    like "$RC:$(md5sum <"$M"):$(md5sum <"$M-wal"):$(ls "$TMP/mount" | grep -c 'tmp-'):$(cat "$TMP/err")" \
        "^1:$before:$wal_before:0:.*-shm: Device or resource busy \\(nothing restored\\)" \
        "a DB-shm that cannot be moved aside: exit 1, the database and its DB-wal as they were, saying why"
else
    skip 3 "a bind mount point needs root and unshare -m"
fi

# Restored by root into a lost database (its lock file lost with it): the
# directory's owner's, as /var/lib/tmdb is the service user's (root's file
# would refuse its loads), and so is the lock file, also with root's umask
# 077 (a hardened machine), even when a restore that failed before (the
# wrong file given first) made it: the service's next load runs.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    mkdir "$TMP/svc"
    chown nobody "$TMP/svc"
    chmod 755 "$TMP"
    sqlite3 "$TMP/foreign.sqlite3" "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine')"
    (umask 077; run_ingest --db "$TMP/svc/tmdb.sqlite3" restore "$TMP/foreign.sqlite3"
        echo "$RC:$ERR" >"$TMP/rc")
    like "$(cat "$TMP/rc")" "^2:.*foreign.sqlite3 is not a tmdb-ingest database: not restored" \
        "another program's database restored into a lost database: exit 2, saying so"
    (umask 077; run_ingest --db "$TMP/svc/tmdb.sqlite3" restore "$B"; echo "$RC" >"$TMP/rc")
    is "$(cat "$TMP/rc"):$(stat -c %U "$TMP/svc/tmdb.sqlite3")" "0:nobody" \
        "restored by root into a lost database: the file is the directory owner's"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --db "$TMP/svc/tmdb.sqlite3" \
        --no-progress ids 999004 --rate 0 </dev/null >/dev/null 2>"$TMP/err"
    is "$?:$(stat -c %U:%a "$TMP/svc/tmdb.sqlite3.lock")" "0:nobody:600" \
        "its lock file too: the service user's next load runs"
else
    skip 3 "a file given to another user needs root and setpriv"
fi

# A reader holding the database open: refused, named.
"$PYTHON" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM movies").fetchone()
open(sys.argv[2], "w").close(); time.sleep(30)' "$DB" "$TMP/reading" &
reader=$!
wait_for "the reader to open the database" $reader test -e "$TMP/reading"
before=$(md5sum <"$DB")
run_ingest restore "$B"
kill $reader
wait $reader 2>/dev/null
is "$RC:$(md5sum <"$DB")" "6:$before" "restore while a reader has the database open: exit 6, untouched"
like "$ERR" "is open in process $reader \\(python3\\)" "naming the process"

# A reader that opens the database while the backup is copied (a big
# one: the copy takes a while): refused when it is done, untouched. The
# restore is stopped (SIGSTOP) while its temporary file is there.
cp "$B" "$TMP/big.sqlite3"
sqlite3 "$TMP/big.sqlite3" "CREATE TABLE filler (b BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
    INSERT INTO filler SELECT zeroblob(1000000) FROM n"
before=$(md5sum <"$DB")
rm -f "$TMP/reading"
"$BIN" --db "$DB" --no-progress restore "$TMP/big.sqlite3" 2>"$TMP/err" &
pid=$!
i=0
while [ ! -e "$DB.tmp-$pid" ] && kill -0 $pid 2>/dev/null && [ $i -lt 100000 ]; do
    i=$((i + 1))
done
kill -STOP $pid
caught=$([ -e "$DB.tmp-$pid" ] && echo yes || echo no)
"$PYTHON" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM movies").fetchone()
open(sys.argv[2], "w").close(); time.sleep(30)' "$DB" "$TMP/reading" &
reader=$!
wait_for "the reader to open the database" $reader test -e "$TMP/reading"
kill -CONT $pid
wait $pid
RC=$?
kill $reader
wait $reader 2>/dev/null
is "$caught:$RC:$(md5sum <"$DB"):$(ls "$TMP" | grep -c 'tmp-')" "yes:6:$before:0" \
    "a reader that opened the database during the copy: exit 6, untouched, no temporary file"

# SIGTERM while the big backup is copied: exit 143, untouched, no temporary
# file.
"$BIN" --db "$DB" --no-progress restore "$TMP/big.sqlite3" 2>"$TMP/err" &
pid=$!
wait_for "the copy to begin" $pid test -e "$DB.tmp-$pid"
kill -TERM $pid
wait $pid
RC=$?
is "$RC:$(md5sum <"$DB"):$(ls "$TMP" | grep -c 'tmp-')" "143:$before:0" \
    "SIGTERM during the copy: exit 143, untouched, no temporary file"

# A copy cut short (a file size limit, as a full disk cuts it: the write
# that reaches it writes part of its bytes, and the next says why): exit 1
# with that reason, untouched, no temporary file.
before=$(md5sum <"$DB")
sh -c 'ulimit -f 100; exec "$@"' sh "$BIN" --db "$DB" restore "$B" 2>"$TMP/err"
RC=$?
is "$RC:$(md5sum <"$DB"):$(ls "$TMP" | grep -c 'tmp-')" "1:$before:0" \
    "a copy cut short by a file size limit: exit 1, untouched, no temporary file"
like "$(cat "$TMP/err")" "\\.tmp-[0-9]+: File too large \\(nothing restored\\)" \
    "saying why, of the temporary copy"

# Backups it refuses, the database as it was.
before=$(md5sum <"$DB")
echo "not a database" >"$TMP/notes"
run_ingest restore "$TMP/notes"
is "$RC:$(md5sum <"$DB")" "2:$before" "a file that is not a SQLite database: exit 2, untouched"
: >"$TMP/empty.sqlite3"
run_ingest restore "$TMP/empty.sqlite3"
like "$RC:$(md5sum <"$DB"):$ERR" "^2:$before:.*empty.sqlite3 is not a SQLite database: nothing restored" \
    "an empty file (a copy a full disk cut to nothing): exit 2, untouched, saying it is no database"
run_ingest restore "$TMP/missing.sqlite3"
is "$RC" 2 "a backup that is not there: exit 2"
ln -s "$DB" "$TMP/link.sqlite3"
run_ingest restore "$DB"
rc_itself=$RC
run_ingest restore "$TMP/link.sqlite3"
is "$rc_itself:$RC:$(md5sum <"$DB")" "2:2:$before" \
    "the database itself, or a link to it, as BACKUP: exit 2, untouched (its DB-wal kept)"
run_ingest restore "$TMP/snap"
is "$RC:$(md5sum <"$DB")" "2:$before" "a directory as BACKUP: exit 2, untouched"
cp "$B" "$TMP/damaged.sqlite3"
page=$(sqlite3 "$TMP/damaged.sqlite3" "SELECT rootpage FROM sqlite_schema WHERE name = 'movies'")
dd if=/dev/urandom of="$TMP/damaged.sqlite3" bs=4096 seek=$((page - 1)) count=1 conv=notrunc 2>/dev/null
run_ingest restore "$TMP/damaged.sqlite3"
is "$RC:$(md5sum <"$DB"):$(ls "$TMP" | grep -c 'tmp-')" "1:$before:0" \
    "a damaged backup: exit 1, untouched, no temporary file"
like "$ERR" "$TMP/damaged.sqlite3 is damaged \\(PRAGMA quick_check" "naming the backup"
cp "$B" "$TMP/newer.sqlite3"
sqlite3 "$TMP/newer.sqlite3" "PRAGMA user_version = 99"
run_ingest restore "$TMP/newer.sqlite3"
like "$RC:$(md5sum <"$DB"):$ERR" "^2:$before:.*$TMP/newer.sqlite3 was made by a newer tmdb-ingest \\(schema version 99" \
    "a backup made by a newer tmdb-ingest: exit 2, untouched, naming the backup"

# A copy made without backup (sqlite3's .backup) is marked as one. (Of a
# database that ran since its restore: the restore's own mark is gone.)
run_ingest ids 999006 --rate 0 --append credits,keywords
sqlite3 "$DB" ".backup '$TMP/other.sqlite3'"
run_ingest restore "$TMP/other.sqlite3"
like "$ERR" "from $TMP/other.sqlite3 \\(a copy not made by backup\\)" \
    "a copy made by sqlite3's .backup, restored: it says so"
last=$(sqlite3 "$TMP/other.sqlite3" 'SELECT max(id) FROM runs')
said=$(printf '%s' "$ERR" | sed -n 's/.*the next run is numbered from \([0-9]*\)$/\1/p')
run_ingest ids 999003 --rate 0 --append credits,keywords
is "$RC:$(sql 'SELECT max(id) FROM runs')" "0:$said" \
    "a copy made by sqlite3's .backup, restored: its next run is the one the restore said"
ok "$([ "$said" -ge $((last + 1000000)) ]; echo $?)" "past the gap ($said, the copy's runs through $last)"

# The same backup restored twice: the second restore numbers its first
# run past the runs made since the first one too, so that a downstream
# job's id names no new run.
run_ingest -q restore "$B"
run_ingest ids 999004 --rate 0 --append credits,keywords
first=$(sql 'SELECT max(id) FROM runs')
run_ingest -q restore "$B"
is "$RC:$ERR" "0:" "restored again, quietly"
run_ingest ids 999005 --rate 0 --append credits,keywords
is "$(sql 'SELECT max(id) FROM runs'):$(sql "SELECT count(*) FROM meta WHERE key IN ('backup_made_at', 'replaced_last_run')")" \
    "$((first + 1000000)):0" "restored twice: the next run is numbered past the replaced database's runs"
run_ingest dump --since "$first"
is "$RC" 2 "dump --since a run of the replaced database: exit 2, never another run's rows"

# The database replaced by hand while a load writes to it (what restore
# refuses to do): the load says, even with -q, that what it stored is not
# in the file there now.
"$BIN" --db "$DB" --no-progress -q list top_rated --pages 3 --workers 1 --rate 0 \
    --append credits,keywords >/dev/null 2>"$TMP/replaced.err" &
load=$!
wait_for "the load's run row" $load \
    sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM runs WHERE status = 'running'\" 2>/dev/null) = 1 ]"
cp "$B" "$DB.new" && mv "$DB.new" "$DB"
wait $load
like "$(cat "$TMP/replaced.err")" "$DB was replaced by another file while this run wrote to it .*not to the one there now" \
    "a load whose database was replaced under it says so, also with -q"

# A database too damaged to read its runs: restored all the same (that is
# what a restore is for), and it says, also with -q, that downstream jobs
# must reset their --since: the copy numbers its runs past the backup's
# only, which may be ids the lost database had given.
rm -f "$DB-wal" "$DB-shm"
head -c 8192 /dev/urandom >"$DB"
run_ingest -q restore "$B"
is "$RC:$(sql 'SELECT count(*) > 0 FROM movies')" "0:1" "a database that cannot be read: restored"
like "$ERR" "the database being replaced.*reset downstream jobs' --since" \
    "saying, also with -q, that downstream jobs must reset their --since"

done_testing
