#!/bin/sh
# A reader that keeps a snapshot open during a load (a long query, a sqlite3
# session left inside BEGIN) makes SQLite append to DB-wal instead of
# reusing it. The load goes on and loses nothing; it says so while loading,
# once the file passes 64 MiB (a backfill could otherwise fill the disk
# before the run's end), and again at the end; the next load after the
# reader lets go empties the file.
. "$(dirname "$0")/lib.sh"
plan 8

N=5000 # about 140 MiB of DB-wal with credits and keywords
start_fake --movies $N --deleted 0
"$PYTHON" "$FAKE" --dump-ids --movies $N --deleted 0 >"$TMP/ids"
head -n 1 "$TMP/ids" >"$TMP/first"
INGEST_STDIN=$TMP/first run_ingest ids - --rate 0
is "$RC" 0 "a first movie makes the database"

# The reader: a snapshot taken, then held until $TMP/release appears; a
# second connection stays open, idle, until $TMP/done: without it the
# reader's close, as the last connection, would empty DB-wal itself.
"$PYTHON" - "$DB" "$TMP" <<'PY' &
import os, sqlite3, sys, time
db, tmp = sys.argv[1], sys.argv[2]
def wait_for(name):
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(tmp, name)) and time.time() < deadline:
        time.sleep(0.05)
idle = sqlite3.connect(db, isolation_level=None)
idle.execute("SELECT count(*) FROM runs").fetchone()  # now in the WAL's readers' set
c = sqlite3.connect(db, isolation_level=None)
c.execute("BEGIN")
c.execute("SELECT count(*) FROM movies").fetchone()
open(os.path.join(tmp, "holding"), "w").close()
wait_for("release")
c.execute("COMMIT")
c.close()
open(os.path.join(tmp, "released"), "w").close()
wait_for("done")
idle.close()
PY
READER=$!
wait_for "the reader's snapshot" "$READER" test -e "$TMP/holding"

# --batch 200: each commit appends the pages it touched, so the file's growth
# under the held snapshot does not hang on how the batches fall (2,000 a
# batch, the default, could stay under 64 MiB)
INGEST_STDIN=$TMP/ids run_ingest ids - --rate 0 --workers 8 --append credits,keywords --batch 200
is "$RC" 0 "the load under a held snapshot exits 0"
is "$(sql 'SELECT count(*) FROM movies')" "$N" "and stores every movie"
like "$ERR" "sqlite3-wal is [0-9]+ MiB and growing: a reader holds a snapshot open" \
    "it says so while loading"
like "$ERR" "'fuser [^']*-wal' names who has it open" "and how to find the reader"
like "$ERR" "a reader held a snapshot open during the load" "and again at the end"
wal_mib() { echo $(($(stat -c %s "$DB-wal" 2>/dev/null || echo 0) >> 20)); }
diag "DB-wal: $(wal_mib) MiB while the reader holds it"

touch "$TMP/release"
wait_for "the reader to let go" "$READER" test -e "$TMP/released"
diag "DB-wal: $(wal_mib) MiB once the reader let go"
INGEST_STDIN=$TMP/first run_ingest ids - --rate 0
is "$RC" 0 "a load after the reader let go"
[ -e "$DB-wal" ] && [ "$(wal_mib)" -lt 64 ]
ok $? "empties DB-wal ($(wal_mib) MiB), which another connection keeps"
touch "$TMP/done"
wait $READER

done_testing
