#!/bin/sh
# A backup restored with the replaced database's -wal left beside it (a
# step of the README's restore missed, after a load that died on the old
# database): SQLite would read that -wal's pages as the restored file's
# (movies and runs of both, indexes that no longer agree) and the next load
# would write them into it for good. Every command refuses the database,
# saying which file to remove, and leaves the restored file as it was.
. "$(dirname "$0")/lib.sh"
plan 4

start_fake --movies 60 --deleted 0
run_ingest ids 1133 46 --rate 0
run_ingest backup "$TMP/backup.sqlite3"
run_ingest ids 651 1166 210 --rate 0
# The old database dies with commits still in its -wal (a load killed, the
# machine down): a connection that writes and exits without closing.
"$PYTHON" -c '
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("UPDATE movies SET title = title || ?", (" (old)",))
os._exit(0)' "$DB"
ok "$([ -s "$DB-wal" ]; echo $?)" "the replaced database left a -wal with commits in it"

rm -f "$DB-shm" # -wal forgotten
cp "$TMP/backup.sqlite3" "$DB.new" && mv "$DB.new" "$DB"
run_ingest stats
is "$RC" 1 "stats refuses the restored database while the old -wal is beside it"
like "$ERR" "$DB-wal" "naming the -wal to remove"
run_ingest ids 1035 --rate 0
is "$RC:$(cmp -s "$DB" "$TMP/backup.sqlite3"; echo $?)" "1:0" \
    "a load refuses it too, and the restored file is as the backup was"

done_testing
