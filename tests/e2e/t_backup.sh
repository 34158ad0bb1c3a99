#!/bin/sh
# backup DEST: a copy of the database that holds every row of it, one file
# in rollback mode that needs no -wal or -shm, made as one snapshot while a
# load writes, and put in place only once whole: a copy that fails (a file
# size limit), or that a signal stops, leaves DEST as it was and no
# temporary file. DEST is not written over when that could lose something
# or hand SQLite a file it would damage. A restored copy loads again.
. "$(dirname "$0")/lib.sh"
plan 37

start_fake --movies 300 --deleted 0 --latency-ms 20
run_ingest list popular --pages 2 --rate 0 --append credits,keywords
is "$RC" 0 "a first load"
B="$TMP/backups"
mkdir "$B"

# The whole database, as sqlite3 prints it, table by table; but the mark a
# copy carries for the first run recorded in it once restored.
content() { sqlite3 -batch "$1" .dump | grep -v -e '^PRAGMA' -e "^INSERT INTO meta VALUES('backup_made_at'"; }
leftovers() { find "$B" -name '*.tmp-*' | wc -l; }

run_ingest backup "$B/tmdb.sqlite3"
is "$RC:$OUT" "0:" "backup exits 0, nothing on stdout"
movies=$(sql 'SELECT count(*) FROM movies')
like "$ERR" "backed up .* to $B/tmdb.sqlite3: $movies movies, runs through 1, " \
    "it says what it copied"
is "$(content "$B/tmdb.sqlite3" | md5sum)" "$(content "$DB" | md5sum)" \
    "the copy holds every row of every table, the search index's too"
is "$(sqlite3 "$B/tmdb.sqlite3" 'PRAGMA journal_mode; PRAGMA integrity_check' | tr '\n' ' ')" \
    "delete ok " "the copy is one file in rollback mode, whole"
is "$(ls "$B")" "tmdb.sqlite3" "nothing beside it: no -wal, -shm or temporary file"
like "$(sqlite3 "$B/tmdb.sqlite3" "SELECT value FROM meta WHERE key = 'backup_made_at'")" \
    '^20[0-9-]+T[0-9:]+Z$' "the copy says when it was made"

run_ingest -q backup "$B/quiet.sqlite3"
is "$RC:$ERR" "0:" "-q: nothing said when it goes well"
run_ingest --log-format json backup "$B/quiet.sqlite3"
ok "$(printf '%s' "$ERR" | "$PYTHON" -c '
import json, sys
e = json.loads(sys.stdin.read())
sys.exit(not (e["event"] == "backed_up" and e["movies"] == int(sys.argv[1]) and e["last_run"] == 1
              and e["bytes"] > 0))' "$movies"; echo $?)" \
    "--log-format json: one backed_up event with the counts (and over an earlier backup)"

# Written over: the new copy replaces the old one whole.
run_ingest ids 999001 --rate 0 --append credits,keywords
old_inode=$(stat -c %i "$B/tmdb.sqlite3")
run_ingest backup "$B/tmdb.sqlite3"
is "$RC:$(sqlite3 "$B/tmdb.sqlite3" 'SELECT count(*) FROM runs')" "0:2" \
    "a second backup over the first holds the second run"
ok "$([ "$(stat -c %i "$B/tmdb.sqlite3")" != "$old_inode" ]; echo $?)" \
    "it was renamed into place, not written in place"
ln -s tmdb.sqlite3 "$B/latest.sqlite3"
run_ingest backup "$B/latest.sqlite3"
ok "$([ "$RC" = 0 ] && [ -L "$B/latest.sqlite3" ]; echo $?)" \
    "a symbolic link is followed: it still leads to the backup"

# Refused, with nothing written.
cmp_before=$(md5sum "$DB" | cut -d' ' -f1)
run_ingest backup "$B"
is "$RC" 2 "a directory is refused"
like "$ERR" "is a directory" "and said so"
run_ingest backup "$DB"
is "$RC:$(md5sum "$DB" | cut -d' ' -f1)" "2:$cmp_before" "the database itself is refused, untouched"
ln -s "$DB" "$B/link-to-db"
run_ingest backup "$B/link-to-db"
is "$RC" 2 "so is a link to it"
# The files beside the database are its own, empty between loads: the lock
# file replaced, the next load would not see the running one's lock.
lock_inode=$(stat -c %i "$DB.lock")
run_ingest backup "$DB.lock"
is "$RC:$(stat -c %i:%s "$DB.lock")" "2:$lock_inode:0" \
    "the database's lock file is refused, untouched (a load keeps it)"
run_ingest backup "$DB-wal"
is "$RC:$(stat -c %s "$DB-wal")" "2:0" "so is its -wal"
run_ingest backup "$(dirname "$DB")/./$(basename "$DB")-journal"
is "$RC:$(ls "$DB-journal" 2>&1 >/dev/null | grep -c 'No such')" "2:1" \
    "and its -journal, not there yet (it would be a hot journal for SQLite), under another spelling"
echo "notes kept here" >"$B/notes.txt"
run_ingest backup "$B/notes.txt"
is "$RC:$(cat "$B/notes.txt")" "2:notes kept here" "a file that is not a database is not written over"
like "$ERR" "not a SQLite database: not written over" "and says why"
cp "$B/tmdb.sqlite3" "$B/open.sqlite3"
printf 'WAL frames' >"$B/open.sqlite3-wal"
run_ingest backup "$B/open.sqlite3"
is "$RC" 2 "a backup with a -wal of its own is not written over (SQLite would apply it to the copy)"
rm "$B/open.sqlite3-wal"
: >"$B/open.sqlite3-journal"
run_ingest backup "$B/open.sqlite3"
is "$RC" 2 "nor one with a -journal"
rm "$B/open.sqlite3-journal"
is "$(leftovers)" 0 "no temporary file after the refusals"

run_ingest backup "$TMP/no-such-dir/tmdb.sqlite3"
is "$RC" 1 "a directory that is not there: exit 1"
like "$ERR" "no-such-dir: cannot make the backup there" "naming it"

# A copy that cannot be written whole (a file size limit: a full disk
# alike) fails, and DEST stays the earlier backup.
before=$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1)
RC=0
prlimit --fsize=200000 "$BIN" --db "$DB" backup "$B/tmdb.sqlite3" 2>"$TMP/err" || RC=$?
is "$RC:$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1):$(leftovers)" "1:$before:0" \
    "a copy cut short fails; the earlier backup is as it was, no temporary file"
like "$(cat "$TMP/err")" "$B/tmdb.sqlite3.tmp-[0-9]+: write the copy: .*\\(File too large\\)" \
    "saying why, of the temporary copy"

# During a load: the copy is the snapshot of when it began.
"$BIN" --db "$DB" --no-progress list top_rated --pages all --workers 2 --batch 5 --rate 0 \
    --append credits,keywords >/dev/null 2>"$TMP/load.err" &
load=$!
wait_for "the load's first commits" $load \
    sh -c "[ \$(sqlite3 '$DB' \"SELECT count(*) FROM runs WHERE status = 'running'\" 2>/dev/null) = 1 ]"
run_ingest backup "$B/during.sqlite3"
wait $load
load_rc=$?
copied=$(sqlite3 "$B/during.sqlite3" "SELECT count(*) FROM movies; SELECT status FROM runs WHERE id = 3; PRAGMA integrity_check" | tr '\n' ' ')
is "$RC:$load_rc:$copied" "0:0:$(echo "$copied" | cut -d' ' -f1) running ok " \
    "a backup during a load: both exit 0, the copy whole, its run still running in it"
ok "$([ "$(echo "$copied" | cut -d' ' -f1)" -lt "$(sql 'SELECT count(*) FROM movies')" ]; echo $?)" \
    "and the copy holds what was committed when it began, not the load's later movies"

# Restored: put in place while no load runs, with the old -wal and -shm
# gone; the next load marks the copied run aborted and goes on. A
# downstream job that pulled after a run the backup does not hold is told.
run_ingest ids 999002 --rate 0 --append credits,keywords
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$B/during.sqlite3" "$DB"
run_ingest dump --since 4
is "$RC" 2 "after a restore, dump --since a run the backup does not hold: exit 2"
like "$ERR" "there is no run 4" "saying so"
run_ingest list top_rated --pages all --rate 0 --append credits,keywords
is "$RC:$(sql "SELECT status FROM runs WHERE id = 3"):$(sql 'PRAGMA journal_mode')" \
    "0:aborted:wal" "a restored copy loads again (its run aborted, resumed; WAL again)"
is "$(sql "SELECT group_concat(id) FROM runs WHERE id > 3"):$(sql "SELECT count(*) FROM meta WHERE key = 'backup_made_at'")" \
    "1000003:0" "its first run's id is a million past the copy's runs, which no run of the lost database took"

# A database with a damaged page (a bad sector, a stray write) is not
# copied over the last good backup: the copy is checked before the rename.
cp "$B/tmdb.sqlite3" "$TMP/damaged.sqlite3"
page=$(sqlite3 "$TMP/damaged.sqlite3" "SELECT max(pageno) FROM dbstat WHERE name = 'movies' AND pagetype = 'leaf'")
head -c 4096 /dev/urandom | dd of="$TMP/damaged.sqlite3" bs=4096 seek=$((page - 1)) conv=notrunc 2>/dev/null
before=$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1)
RC=0
"$BIN" --db "$TMP/damaged.sqlite3" backup "$B/tmdb.sqlite3" 2>"$TMP/err" || RC=$?
is "$RC:$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1):$(leftovers)" "1:$before:0" \
    "a damaged database: exit 1, the last backup as it was, no temporary file"
like "$(cat "$TMP/err")" "damaged.sqlite3 is damaged .*restore it from a backup" "saying so"

# A signal during the copy: DEST as it was, no temporary file. The
# database is made big enough that the copy is caught in the act, and
# the process is stopped (SIGSTOP) while its temporary file is there.
sqlite3 "$DB" "CREATE TABLE filler (b BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
    INSERT INTO filler SELECT zeroblob(1000000) FROM n"
before=$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1)
"$BIN" --db "$DB" --no-progress backup "$B/tmdb.sqlite3" 2>"$TMP/sig.err" &
pid=$!
i=0
while [ ! -e "$B/tmdb.sqlite3.tmp-$pid" ] && kill -0 $pid 2>/dev/null && [ $i -lt 100000 ]; do
    i=$((i + 1))
done
kill -STOP $pid
caught=$([ -e "$B/tmdb.sqlite3.tmp-$pid" ] && echo yes || echo no)
kill -TERM $pid
kill -CONT $pid
wait $pid
RC=$?
is "$caught:$RC:$(md5sum "$B/tmdb.sqlite3" | cut -d' ' -f1):$(leftovers)" "yes:143:$before:0" \
    "SIGTERM during the copy: exit 143, the earlier backup as it was, no temporary file"

done_testing
