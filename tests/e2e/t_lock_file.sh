#!/bin/sh
# The lock beside the database (DB.lock) keeps one load at a time without
# locking anyone out: a run by hand as root leaves a lock file the service
# user can still use (opened read-write with no way back, a root-owned 0644
# file failed every later run: "Permission denied"; one this user may not
# write is opened read-only), a symlink to the
# database shares the database's lock (also before the file exists), and
# a lock file planted as a symlink is refused, not followed. Needs root and setpriv for the
# second user.
. "$(dirname "$0")/lib.sh"
plan 17

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do echo "ok $i # SKIP needs root and setpriv to run as another user"; done
    exit 0
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

start_fake --movies 60 --deleted 0
chmod 755 "$TMP"
mkdir "$TMP/svc"
chown 65534:65534 "$TMP/svc"
SVC=$TMP/svc/movies.sqlite3
as_nobody "$BIN" --db "$SVC" --no-progress --rate 0 list now_playing </dev/null 2>"$TMP/err"
is "$?" 0 "the service user's load exits 0"
rm -f "$SVC.lock" # as after a cleanup: the next run, by root, makes it again
"$BIN" --db "$SVC" --no-progress --rate 0 list now_playing </dev/null 2>"$TMP/err"
is "$?" 0 "a run by hand as root exits 0"
is "$(stat -c %U "$SVC.lock")" nobody "the lock file it made belongs to the database's owner"
chown 0:0 "$SVC.lock" # made by an older tmdb-ingest, or by hand
as_nobody "$BIN" --db "$SVC" --no-progress --rate 0 list now_playing </dev/null 2>"$TMP/err"
is "$?" 0 "the service user's next load exits 0, even with a root-owned lock file"
unlike "$(cat "$TMP/err")" "lock" "and says nothing of the lock"
# Root's umask (027 or 077 on a hardened machine) does not keep the users
# who may read the database from the lock file it makes: they query its
# lock to tell a live run from a dead one (stats' "alive", which monitoring
# alerts on), as they read DB-wal and DB-shm, which SQLite makes with the
# database's mode (root's 0600 lock file: "alive" unknown for good).
rm -f "$SVC.lock"
chmod 644 "$SVC"
(umask 077; "$BIN" --db "$SVC" --no-progress --rate 0 list now_playing </dev/null 2>"$TMP/err")
is "$?:$(stat -c %U:%a "$SVC.lock")" "0:nobody:644" \
    "a run by hand as root with umask 077: the lock file it made has the database's owner and mode"
out=$(setpriv --reuid=65533 --regid=65533 --clear-groups "$BIN" --db "$SVC" stats --format json 2>&1)
like "$out" '"in_use":false,"in_use_unknown_reason":null' \
    "and a third user's stats can tell that no load holds it"

# a symlink to the database: the same lock (the first load is slow enough
# to outlast the second's start, also under the sanitizers; stopped after)
stop_fake
start_fake --movies 200 --deleted 0 --latency-ms 300
DB=$SVC
"$BIN" --db "$SVC" --no-progress list now_playing --pages all --workers 1 --rate 0 \
    </dev/null >/dev/null 2>&1 &
pid=$!
# the database already holds movies: wait for this run's own row instead
wait_for "the first load's run row" "$pid" run_running
ln -s "$SVC" "$TMP/link.sqlite3"
DB=$TMP/link.sqlite3
run_ingest --rate 0 list popular
is "$RC" 6 "a load through a symlink while one runs exits 6 (locked)"
like "$ERR" "already running on .*link.sqlite3 \(it holds .*/svc/movies.sqlite3.lock: process [0-9]*\)" \
    "it is the same database's lock"
kill -TERM "$pid"
wait "$pid"

# through a symlink to a database not made yet: the lock is the file's own
# (a second run, once the file exists, must find the same one)
mkdir "$TMP/data"
ln -s data/fresh.sqlite3 "$TMP/fresh-link.sqlite3"
DB=$TMP/fresh-link.sqlite3
run_ingest --rate 0 list now_playing --pages 1 --workers 4
ok "$([ -e "$TMP/data/fresh.sqlite3.lock" ] && [ ! -e "$TMP/fresh-link.sqlite3.lock" ] && echo 0 || echo 1)" \
    "a symlink to a database not made yet: locked beside the file it makes"

# A lock file that is a symlink (planted by the database's owner) is
# refused: root would otherwise open, and hand over, whatever it names.
echo secret >"$TMP/victim"
rm -f "$SVC.lock"
ln -s "$TMP/victim" "$SVC.lock"
DB=$SVC
run_ingest --rate 0 list now_playing
is "$RC" 1 "a lock file that is a symlink: exit 1"
like "$ERR" "cannot open the lock file .*: it is a symbolic link" "and says why"
is "$(stat -c %U "$TMP/victim")" root "the file it names keeps its owner"

# Not the lock but the same trouble: DB-shm left to root (a sqlite3 shell as
# root): the service user's load fails, and the error names that file (SQLite
# says only "attempt to write a readonly database").
rm -f "$SVC.lock"
chown 0:0 "$SVC-shm"
chmod 644 "$SVC-shm"
as_nobody "$BIN" --db "$SVC" --no-progress --rate 0 list now_playing </dev/null 2>"$TMP/err"
is "$?" 1 "DB-shm not writable by the service user: exit 1"
like "$(cat "$TMP/err")" "movies.sqlite3: .*readonly database \(its -shm file may not be written by this user\)" "the error names the file"

# A directory the service user may not write, or a lock file in it the
# user may not read (root's first run with umask 077): the error says which.
mkdir "$TMP/rootdir" "$TMP/svc2"
chmod 755 "$TMP/rootdir"
chown 65534:65534 "$TMP/svc2"
touch "$TMP/svc2/movies.sqlite3.lock"
chmod 600 "$TMP/svc2/movies.sqlite3.lock"
for case in "rootdir:the database's directory must be writable by the user running loads" \
    "svc2:this user may not read the lock file found there"; do
    as_nobody "$BIN" --db "$TMP/${case%%:*}/movies.sqlite3" --no-progress --rate 0 \
        list now_playing </dev/null 2>"$TMP/err"
    like "$?:$(cat "$TMP/err")" "^1:.*Permission denied \(${case#*:}" \
        "${case%%:*}: exit 1, and the error says what it needs"
done

done_testing
