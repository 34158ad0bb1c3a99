#!/bin/sh
# The lock beside the database (DB.lock) keeps one load at a time without
# locking anyone out: a run by hand as root leaves a lock file the service
# user can still use (it was opened read-write, so a root-owned 0644 file
# failed every later run: "Permission denied"), and a symlink to the
# database shares the database's lock. Needs root and setpriv for the
# second user.
. "$(dirname "$0")/lib.sh"
plan 7

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    for i in 1 2 3 4 5 6 7; do echo "ok $i # SKIP needs root and setpriv to run as another user"; done
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

# a symlink to the database: the same lock (the first load is slow enough
# to outlast the second's start, also under the sanitizers; stopped after)
stop_fake
start_fake --movies 200 --deleted 0 --latency-ms 300
DB=$SVC
"$BIN" --db "$SVC" --no-progress list now_playing --pages all --workers 1 --rate 0 \
    </dev/null >/dev/null 2>&1 &
pid=$!
wait_for_movies 1
ln -s "$SVC" "$TMP/link.sqlite3"
DB=$TMP/link.sqlite3
run_ingest --rate 0 list popular
is "$RC" 1 "a load through a symlink while one runs exits 1"
like "$ERR" "already running" "it is the same database's lock"
kill -TERM "$pid"
wait "$pid"

done_testing
