#!/bin/sh
# After the database is restored from a backup, a downstream job's
# `dump --since N` whose N named a run the backup does not hold is told so
# (exit 2), also once the loads after the restore have made N runs again:
# never answered with the rows written after another run of that id, which
# would skip the rows of the runs in between for good, silently. The
# downstream job pulls after each nightly load; the backup is a night old.
# (The first run recorded in a restored copy takes an id a million past
# its runs: store.h, STORE_RESTORED_RUN_GAP.)
. "$(dirname "$0")/lib.sh"
plan 7

start_fake --movies 60 --deleted 0
run_ingest ids 1133 46 --rate 0                 # night 1: run 1
run_ingest backup "$TMP/backup.sqlite3"       # the backup: runs through 1
like "$ERR" "runs through 1," "the backup holds run 1"
run_ingest ids 651 --rate 0                    # night 2: run 2, pulled downstream
run_ingest dump --since 1
like "$ERR" "next time: --since 2$" "the downstream job keeps --since 2"

# The database is lost, and restored as the README says.
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$TMP/backup.sqlite3" "$DB.new" && mv "$DB.new" "$DB"
run_ingest ids 1166 --rate 0                    # night 3, on the restored database

# The job pulls with the id it kept: the run it named is not in this
# database, whatever run took the id since; the movie night 3 stored must
# not be lost without a word.
run_ingest dump --since 2
ok "$([ "$RC" = 2 ] || printf '%s\n' "$OUT" | grep -q '"id":1166,'; echo $?)" \
    "dump --since 2 is refused or sends the movie stored after the restore"

# A merge is the first to record runs in the restored copy: the same.
"$BIN" --db "$TMP/shard.sqlite3" --no-progress ids 1133 --rate 0 2>/dev/null
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$TMP/backup.sqlite3" "$DB.new" && mv "$DB.new" "$DB"
"$BIN" merge "$DB" "$TMP/shard.sqlite3" 2>/dev/null
is "$(sql 'SELECT group_concat(id) FROM (SELECT id FROM runs ORDER BY id)'):$(sql "SELECT count(*) FROM meta WHERE key = 'backup_made_at'")" \
    "1,1000001:0" "a merge into a restored copy numbers its runs past the gap too, once"
# stats' table holds such ids under their heading
run_ingest stats
printf '%s\n' "$OUT" | "$PYTHON" -c '
import sys
lines = sys.stdin.read().split("\n")
head, row = lines[lines.index("Last runs") + 1:][:2]
sys.exit(0 if row.startswith("  1000001  ") and head.index("id") + 2 == len("  1000001") else 1)'
is "$?" 0 "stats shows a run id of 7 digits under its heading"

# A dump while the first load on a restored copy runs: its "next time"
# names a run the next dump accepts (the copy's last), not the id below
# the running one's, which the gap left to no run.
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$TMP/backup.sqlite3" "$DB.new" && mv "$DB.new" "$DB"
start_fake --movies 60 --deleted 0 --latency-ms 100
"$BIN" --db "$DB" --no-progress list popular --pages 1 --rate 0 --workers 1 \
    >/dev/null 2>"$TMP/load.err" &
load=$!
wait_for "the load's run row" "$load" \
    sh -c "sqlite3 '$DB' \"SELECT status FROM runs WHERE id > 1\" 2>/dev/null | grep -q running"
run_ingest dump
like "$ERR" "next time: --since 1$" "a dump during that load says to start after the copy's last run"
wait "$load"
run_ingest dump --since "$(printf '%s\n' "$ERR" | sed -n 's/.*--since \([0-9]*\)$/\1/p')"
is "$RC:$(printf '%s\n' "$OUT" | grep -c '"id":')" "0:$(sql 'SELECT count(*) FROM movies WHERE fetched_at >= (SELECT started_at FROM runs WHERE id = 1000001)')" \
    "and the next dump from it sends what that load wrote"

done_testing
