#!/bin/sh
# stats tells a run whose process lives from one left "running" by a process
# that died (kill -9, the OOM killer, power lost): the load holds, beside
# its flock on DB.lock, a read lock stats can query (lock.h). A dead run
# reads "unrecorded" in text, with a note, and "alive": false in JSON (its
# status stays "running" there); a live one reads as before, "alive": true.
# A database no load ever ran on (no lock file) has no live run; a lock
# file stats cannot open or use makes it say it cannot tell ("alive": null,
# the reason in "in_use_unknown_reason" and the run's "alive_unknown_reason"),
# never fail. Also through a read-only mount of the database's directory,
# and stats polled without pause never makes a load starting exit 6.
. "$(dirname "$0")/lib.sh"
plan 36

# stats_json_runs: after run_ingest stats --format json, "in_use" and each
# listed run's "id:status:alive", on one line
stats_json_runs() {
    printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
def s(v): return json.dumps(v) if not isinstance(v, str) else v
print(s(d["in_use"]), " ".join("%d:%s:%s" % (r["id"], r["status"], s(r["alive"])) for r in d["runs"]))'
}

# A load that lasts (1 worker, 200 ms a movie), the first run of $DB.
start_fake --movies 200 --deleted 0 --latency-ms 200
"$BIN" --db "$DB" --no-progress list now_playing --pages all --workers 1 --rate 0 \
    </dev/null >/dev/null 2>"$TMP/load.err" &
pid=$!
wait_for "the load's run row" "$pid" run_running

run_ingest stats
is "$RC" 0 "stats during a live load exits 0"
like "$OUT" "  1  [0-9T:Z-]+ +running  running  " "its run reads running, as before"
unlike "$OUT" "unrecorded|cannot be told" "and nothing says it is dead or unknown"
run_ingest stats --format json
is "$RC:$(stats_json_runs)" "0:true 1:running:true" "JSON: in use, the run running and alive"

# the same through a read-only mount of the directory (a reader on a
# read-only view of the live database): the lock is the same file's
ro_stats() {
    unshare ${RO_USERNS:-} --mount sh -c \
        'd=$1; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@"' \
        sh "$TMP" "$BIN" --db "$DB" stats --format json >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}
if ! unshare --mount true 2>/dev/null; then RO_USERNS="--user --map-root-user"; fi
ro_stats
# the error shown when it fails: a mount namespace this machine refuses
# (a container, a chroot) said as such, not as "got '1:'"
is "$RC:$(stats_json_runs)$([ "$RC" = 0 ] || printf ' (%s)' "$ERR")" "0:true 1:running:true" \
    "on a read-only mount too (exit 0, alive)"

# An older run left "running" beside the live one (as a crash before it
# would, had the load not marked it aborted at its start): only the newest
# "running" run can be the holder's, so this one is dead.
# (beside a load that writes: wait for its write lock, as a busy reader would)
sqlite3 -cmd '.timeout 10000' "$DB" "INSERT INTO runs (id, started_at, command, source) VALUES (0, '2020-01-01T00:00:00Z', 'ids', 'ids 550')"
run_ingest stats --format json
is "$(stats_json_runs)" "true 1:running:true 0:running:false" \
    "an older running row beside the live run is dead"
sqlite3 -cmd '.timeout 10000' "$DB" "DELETE FROM runs WHERE id = 0"

kill -KILL "$pid"
wait "$pid" 2>/dev/null
run_ingest stats
is "$RC" 0 "stats after kill -9 of the load exits 0"
like "$OUT" "  1  [0-9T:Z-]+ +-  unrecorded  " "the dead run reads unrecorded, its end unknown"
like "$OUT" "run 1 ended unrecorded: its row says running, but its process no longer holds the database" \
    "a note says why"
like "$OUT" "the next load marks it aborted, and resumes it if of the same source \(unless --refresh\)" \
    "and what comes of it (a list run resumes)"
is "$(sql "SELECT status FROM runs WHERE id = 1")" running "stats wrote nothing: the row says running"
run_ingest stats --format json
is "$RC:$(stats_json_runs)" "0:false 1:running:false" "JSON: not in use, status kept, not alive"
like "$OUT" '"in_use_unknown_reason":null' "and no reason to doubt it"
ro_stats
is "$RC:$(stats_json_runs)$([ "$RC" = 0 ] || printf ' (%s)' "$ERR")" "0:false 1:running:false" \
    "on a read-only mount too (exit 0, dead)"

# A merge into a copy of it holds that database while its newest row still
# says running: in use, by the merge, and the run still dead (a merge has
# no run row; it read alive before); a load is still refused (exit 6). The
# merge waits on a write transaction held until the checks are done.
mkdir "$TMP/merge"
sqlite3 "$DB" ".backup '$TMP/merge/test.sqlite3'"
sqlite3 "$DB" ".backup '$TMP/merge/in.sqlite3'"
held_by_merge() {
    "$BIN" --db "$TMP/merge/test.sqlite3" stats --format json 2>/dev/null | grep -q '"in_use":true'
}
hold_write_lock 30 "$TMP/merge/test.sqlite3" "$TMP/merge/release"
"$BIN" merge "$TMP/merge/test.sqlite3" "$TMP/merge/in.sqlite3" 2>"$TMP/merge/err" &
merger=$!
wait_for "the merge holding the lock" "$merger" held_by_merge
DB=$TMP/merge/test.sqlite3
run_ingest stats --format json
like "$RC:$(stats_json_runs):$OUT" '^0:true 1:running:false:.*"in_use_by":"merge"' \
    "during a merge into it: in use, by the merge, the dead run not alive"
run_ingest stats
like "$OUT" "run 1 ended unrecorded: its row says running, but its process no longer holds" \
    "and text says so"
run_ingest ids 2 --rate 0
is "$RC" 6 "a load during the merge is refused (exit 6)"
touch "$TMP/merge/release"
wait "$LOCKER_PID"
wait "$merger"
is "$?" 0 "the merge then ends (exit 0)"
DB=$TMP/test.sqlite3

# A normal end: the next load marks run 1 aborted; nothing is running.
run_ingest ids 2 3 --rate 0
is "$RC" 0 "the next load exits 0"
like "$ERR" "1 earlier run\(s\) had died without finishing .*; marked aborted" "and marks run 1"
run_ingest stats
like "$OUT" "  2  [0-9T:Z-]+ +[0-9]+h[0-9]{2}m[0-9]{2}s  ok  " "the ended run reads ok"
like "$OUT" "  1  [0-9T:Z-]+ +-  aborted  " "the dead one aborted"
unlike "$OUT" "unrecorded|cannot be told|running" "nothing reads running or dead"
run_ingest stats --format json
is "$RC:$(stats_json_runs)" "0:false 2:ok:false 1:aborted:false" "JSON: none alive, statuses kept"

# A database no load ever ran on here (a copy, with no DB.lock) holding a
# row edited to say running: no process can hold it.
mkdir "$TMP/copy"
sqlite3 "$DB" "VACUUM INTO '$TMP/copy/test.sqlite3'"
DB=$TMP/copy/test.sqlite3
sql "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = 2"
ok "$([ ! -e "$DB.lock" ] && echo 0 || echo 1)" "the copy has no lock file"
run_ingest stats
like "$RC:$(printf '%s\n' "$OUT" | grep '^ *2  ')" "^0: +2  [0-9T:Z-]+ +-  unrecorded  " \
    "its running row reads unrecorded (exit 0)"
run_ingest stats --format json
is "$(stats_json_runs)" "false 2:running:false 1:aborted:false" "JSON: not alive"
ok "$([ ! -e "$DB.lock" ] && echo 0 || echo 1)" "stats made no lock file"

# A lock file stats cannot use (a symbolic link, which it never follows;
# a directory): it says it cannot tell, and exits 0.
ln -s "$TMP/test.sqlite3.lock" "$DB.lock"
run_ingest stats
like "$RC:$(printf '%s\n' "$OUT" | grep '^ *2  ')" "^0: +2  [0-9T:Z-]+ +\?  running\?  " \
    "a symlinked lock file: running? (exit 0)"
like "$OUT" "run 2 says running; whether it still runs cannot be told: cannot open the lock file .*copy/test.sqlite3.lock: it is a symbolic link" \
    "the note says why"
run_ingest stats --format json
is "$RC:$(stats_json_runs)" "0:null 2:running:null 1:aborted:false" \
    "JSON: in_use and alive null, an ended run still not alive"
like "$OUT" '"in_use_unknown_reason":"cannot open the lock file [^"]*: it is a symbolic link"' \
    "in_use_unknown_reason says why"
printf '%s' "$OUT" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
r = {x["id"]: x["alive_unknown_reason"] for x in d["runs"]}
sys.exit(0 if r == {2: d["in_use_unknown_reason"], 1: None} else "%s" % r)' 2>"$TMP/check"
is "$?" 0 "the running run's alive_unknown_reason is that reason, the ended run's null $(cat "$TMP/check")"
rm "$DB.lock"
mkdir "$DB.lock"
run_ingest stats --format json
like "$RC:$(stats_json_runs):$OUT" "^0:null 2:running:null .*not a regular file" \
    "a directory in its place: cannot tell (exit 0)"
rmdir "$DB.lock"

# stats takes nothing, so it never makes a load starting find the lock
# busy (exit 6), as probing the flock would (flock -n -s DB.lock true in
# its place in this loop: 13 to 20 of the 30 loads exited 6, 4 tries):
# loads started and ended one after another while stats is polled without
# pause.
start_fake --movies 20 --deleted 0
mkdir "$TMP/race"
DB=$TMP/race/test.sqlite3
run_ingest ids 2 --rate 0
(while [ ! -e "$TMP/race/stop" ]; do
    "$BIN" --db "$DB" stats --format json >/dev/null 2>&1
    echo >>"$TMP/race/polls"
done) &
poller=$!
wait_for "stats polled" "$poller" test -s "$TMP/race/polls"
codes=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    run_ingest ids 2 3 --rate 0
    codes="$codes$RC"
done
touch "$TMP/race/stop"
wait "$poller"
polls=$(wc -l <"$TMP/race/polls")
is "$codes" 000000000000000000000000000000 "30 loads while stats polled ($polls times): each exits 0"
DB=$TMP/copy/test.sqlite3

# A lock file this user may not open (made by root, mode 0600): cannot tell.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    : >"$DB.lock"
    chmod 600 "$DB.lock"
    chmod 755 "$TMP" "$TMP/copy"
    chmod 644 "$DB"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BIN" --db "$DB" --no-progress stats --format json >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    like "$RC:$(stats_json_runs):$OUT" "^0:null 2:running:null .*cannot open the lock file [^\"]*: Permission denied" \
        "another user's unreadable lock file: cannot tell (exit 0)"
else
    skip 1 "needs root and setpriv to run as another user"
fi

done_testing
