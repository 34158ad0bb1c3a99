#!/bin/sh
# stats, dump and search on a database of an older schema version upgrade it
# under DB.lock. Several started at once all exit 0: one upgrades, the
# others wait for its lock and find the database upgraded (each exited 6 on
# the first's upgrade, "a load running on it", when the lock was only tried).
# A holder is imitated with the locks lock.h describes (a flock, and a read
# lock on the byte of its use: 0 a load, 1 a merge, 2 an upgrade), so that
# the reader meets it for certain: an upgrade's or a merge's is waited for,
# while a load's still gives exit 6 saying so. A holder that shows only the
# flock (a tmdb-ingest older than lock uses) is named so and waited for. A
# dry run waiting for a first load's schema ends on SIGTERM, as one waiting
# for an upgrade does.
. "$(dirname "$0")/lib.sh"
plan 30

start_fake --movies 10 --deleted 0
ids=$(catalogue_ids 3 --movies 10 --deleted 0)
run_ingest ids $ids --rate 0 --append credits
[ "$RC" = 0 ] || bail "the first load failed: $ERR"
word=$(sql "SELECT title FROM movies ORDER BY id LIMIT 1" | cut -d' ' -f1)
stop_fake
# Version 5 is version 8 without movie_parts (sql/migrations/6.sql; 7.sql
# rebuilds an index, which this copy already has in its version 7 shape)
# and without runs.exit_status and runs.error (8.sql).
V5=$TMP/v5.sqlite3
cp "$DB" "$V5"
sqlite3 "$V5" "ALTER TABLE runs DROP COLUMN error; ALTER TABLE runs DROP COLUMN exit_status;
               DROP VIEW movie_credits; DROP TABLE movie_parts; DELETE FROM meta WHERE key = 'schema_digest';
               PRAGMA user_version = 5"
V6=$TMP/v6.sqlite3
sqlite3 "$DB" ".backup '$V6'"
rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.lock"
fresh_v5() { rm -f "$DB" "$DB-wal" "$DB-shm" && cp "$V5" "$DB"; }

# hold_lock USE: in the background (HOLDER_PID), hold $DB.lock as a holder
# of that use does (USE "flock": the flock alone, as a tmdb-ingest older
# than lock uses held it), until release_lock (or the test's end: $TMP
# removed, or 120 s); returns once it holds it.
hold_lock() {
    rm -f "$TMP/held" "$TMP/release"
    "$PYTHON" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1] + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
if sys.argv[2] != "flock":
    fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, int(sys.argv[2]))
open(sys.argv[3] + "/held", "w").close()
end = time.monotonic() + 120
while (not os.path.exists(sys.argv[3] + "/release") and os.path.isdir(sys.argv[3])
       and time.monotonic() < end):
    time.sleep(0.02)' "$DB" "$1" "$TMP" &
    HOLDER_PID=$!
    wait_for "the lock held for use $1" "$HOLDER_PID" test -e "$TMP/held"
}
release_lock() {
    touch "$TMP/release"
    wait "$HOLDER_PID"
}
# the schema upgraded as another process would, while it holds the lock
upgrade_by_hand() {
    sqlite3 "$DB" "BEGIN; $(cat "$ROOT/sql/migrations/6.sql"); $(cat "$ROOT/sql/migrations/8.sql");
                   PRAGMA user_version = 8; COMMIT;"
}
# start_reader NAME ARGS...: the binary in the background on $DB, verbose
# (its wait and its upgrade are said at -v), into $TMP/NAME.out and .err
start_reader() {
    sr_name=$1
    shift
    "$BIN" --db "$DB" --no-progress -v "$@" </dev/null >"$TMP/$sr_name.out" \
        2>"$TMP/$sr_name.err" &
    READER_PID=$!
}
waiting() { grep -qs "its lock is held by .*: waiting for it" "$TMP/$1.err"; }
upgrades_said() { cat "$TMP"/*.err | grep -c "upgrading the schema to version 8"; }

# Five read commands at once (the reviewer's stats and dump --table runs,
# 4 times out of 4 an exit 6): all exit 0, and the schema is upgraded once.
fresh_v5
rm -f "$TMP"/*.err
pids=
for r in "stats" "stats --format json" "dump --table runs" "dump --table movies" \
    "search $word"; do
    # shellcheck disable=SC2086 # words of the command
    start_reader "r$(echo $pids | wc -w)" $r
    pids="$pids $READER_PID"
done
rcs=
for p in $pids; do
    wait "$p"
    rcs="$rcs $?"
done
is "$rcs" " 0 0 0 0 0" "five read commands started at once on a version 5 database all exit 0"
is "$(sql 'PRAGMA user_version')" 8 "the database is upgraded"
is "$(upgrades_said)" 1 "by one of them; the others found it upgraded"
is "$(grep -c '"status":"ok"' "$TMP/r2.out")" 1 "dump --table runs printed the run"

# Another reader's upgrade holds the lock: stats waits (instead of exit 6),
# then takes the lock and upgrades the database itself.
fresh_v5
rm -f "$TMP"/*.err
hold_lock 2
start_reader stats stats
wait_for "stats waiting for the upgrade's lock" "$READER_PID" waiting stats
like "$(cat "$TMP/stats.err")" "its lock is held by another command upgrading its schema before it reads it: waiting" \
    "it says what it waits for"
ok "$(kill -0 "$READER_PID" 2>/dev/null && echo 0 || echo 1)" "stats is still waiting"
release_lock
wait "$READER_PID"
is "$?:$(sql 'PRAGMA user_version')" 0:8 "released: stats exits 0, the database upgraded"
is "$(upgrades_said)" 1 "by stats itself, once the lock was free"
unlike "$(cat "$TMP/stats.err")" "error" "and no error"

# A holder that shows only the flock: named as such, waited for as one
# that cannot be told (up to 30 s), and the lock taken once it is free.
fresh_v5
rm -f "$TMP"/*.err
hold_lock flock
start_reader stats stats
wait_for "stats waiting for the flock's holder" "$READER_PID" waiting stats
like "$(cat "$TMP/stats.err")" "its lock is held by a process that shows only the flock \(a tmdb-ingest older than this one\): waiting" \
    "a holder of the flock alone is named as an older tmdb-ingest"
release_lock
wait "$READER_PID"
is "$?:$(sql 'PRAGMA user_version')" 0:8 "released: stats exits 0, the database upgraded"

# A merge into it holds the lock (a merge upgrades its output first): dump
# waits, and reads once the database is of version 8, without the lock and
# without upgrading it again.
fresh_v5
rm -f "$TMP"/*.err
hold_lock 1
start_reader dump dump --table runs
wait_for "dump waiting for the merge's lock" "$READER_PID" waiting dump
like "$(cat "$TMP/dump.err")" "its lock is held by a merge into it: waiting" "it says a merge holds the lock"
upgrade_by_hand
wait_for "dump to end" "" sh -c "! kill -0 $READER_PID 2>/dev/null"
wait "$READER_PID"
is "$?" 0 "upgraded by the holder: dump exits 0 while the lock is still held"
ok "$(kill -0 "$HOLDER_PID" 2>/dev/null && echo 0 || echo 1)" "(the holder still holds it)"
is "$(upgrades_said)" 0 "dump did not upgrade it again"
is "$(grep -c '"status":"ok"' "$TMP/dump.out")" 1 "and printed the run"
# a dry run while the merge holds the lock says a run now would not start
run_ingest --rate 0 list now_playing --dry-run
like "$ERR" "a merge into it holds .* now: a run started now would not start \(exit 6\)" \
    "a dry run during a merge says a run now would not start"
release_lock

# A load holds the lock and the database is still old (a load of an older
# tmdb-ingest, or a long upgrade): as before, exit 6 naming the load, soon
# (a load holds the lock for its whole run), the database left as it was.
fresh_v5
hold_lock 0
start=$(date +%s)
run_ingest stats
is "$RC" 6 "a load holds the lock of a version 5 database: stats exits 6"
like "$ERR" "already running on .*test.sqlite3 \(it holds .*test.sqlite3.lock: process [0-9]*\) \(its schema needs an upgrade, which a load running on it does; try again when it has finished\)" \
    "saying a load runs on it"
ok "$([ $(($(date +%s) - start)) -lt 15 ] && echo 0 || echo 1)" "without waiting as for an upgrade"
is "$(sql 'PRAGMA user_version')" 5 "the database is left as it was"
release_lock
run_ingest dump --table runs
is "$RC:$(sql 'PRAGMA user_version')" 0:8 "the load gone: dump upgrades it, exit 0"

# A dry run (which catches SIGTERM) waiting for the lock: SIGTERM ends the
# wait, exit 143, nothing done.
fresh_v5
rm -f "$TMP"/*.err
hold_lock 2
start_reader dry --dry-run ids $ids
wait_for "the dry run waiting for the lock" "$READER_PID" waiting dry
kill -TERM "$READER_PID"
wait "$READER_PID"
is "$?" 143 "SIGTERM during the wait: exit 143"
is "$(sql 'PRAGMA user_version')" 5 "the database left as it was"
release_lock

# A first load holds the lock and has made the file but not yet committed
# its schema (its first milliseconds): stats waits for the schema rather
# than exit 1 ("holds no tmdb-ingest data yet"), which a monitor polling it
# during a first load met about once in five loads.
rm -f "$DB" "$DB-wal" "$DB-shm" "$TMP"/*.err
: >"$DB"
hold_lock 0
start_reader stats stats --format json
wait_for "stats waiting for the first load's schema" "$READER_PID" \
    grep -qs "has no table yet, and its lock is held by a load: waiting for its schema" \
    "$TMP/stats.err"
ok 0 "stats on an empty database a load holds waits for its schema"
sqlite3 "$DB" ".restore '$V6'"
wait "$READER_PID"
is "$?:$("$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["movies"]["stored"])' \
    <"$TMP/stats.out")" "0:3" "once it is committed: exit 0, the movies read"
release_lock
# A dry run (which catches SIGTERM) waiting for that schema: SIGTERM ends
# the wait, exit 143, the file left empty. The wait lasts 2 s: a machine so
# loaded that the signal comes after it (exit 1, "holds no tmdb-ingest
# data yet") has the dry run started again, up to three times.
rm -f "$DB" "$DB-wal" "$DB-shm" "$TMP"/*.err
: >"$DB"
hold_lock 0
for attempt in 1 2 3; do
    start_reader dry --dry-run ids $ids
    wait_for "the dry run waiting for the first load's schema" "$READER_PID" \
        grep -qs "has no table yet, and its lock is held by a load: waiting for its schema" \
        "$TMP/dry.err"
    kill -TERM "$READER_PID" 2>/dev/null
    wait "$READER_PID"
    RC=$?
    [ "$RC" = 1 ] && grep -qs "holds no tmdb-ingest data yet" "$TMP/dry.err" || break
    diag "attempt $attempt: the 2 s wait ended before the signal came; again"
done
is "$RC:$(stat -c %s "$DB")" 143:0 "SIGTERM during the wait for the schema: exit 143, the file still empty"
release_lock
# The load never commits a schema (or another program holds the lock on
# an empty file): exit 1 as before, after the wait.
rm -f "$DB" "$DB-wal" "$DB-shm"
: >"$DB"
hold_lock 0
start=$(date +%s)
run_ingest stats
is "$RC" 1 "still no table after the wait: exit 1"
like "$ERR" "holds no tmdb-ingest data yet" "saying so"
ok "$([ $(($(date +%s) - start)) -lt 15 ] && echo 0 || echo 1)" "after a short wait"
release_lock

done_testing
