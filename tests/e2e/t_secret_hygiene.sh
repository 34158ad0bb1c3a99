#!/bin/sh
# The credential appears nowhere: not in /proc/PID/environ or cmdline while
# the load runs, not in any output, not in the database, and the process
# cannot leave a core file behind.
. "$(dirname "$0")/lib.sh"
plan 6

start_fake --movies 100 --deleted 0 --latency-ms 50
"$BIN" --db "$DB" --no-progress -vv list now_playing --pages all --workers 2 --rate 0 \
    </dev/null >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 1
tr '\0' '\n' <"/proc/$pid/environ" >"$TMP/environ" 2>/dev/null
tr '\0' ' ' <"/proc/$pid/cmdline" >"$TMP/cmdline" 2>/dev/null
grep '^Max core file size' "/proc/$pid/limits" >"$TMP/limits" 2>/dev/null
wait "$pid"
RC=$?
is "$RC" 0 "the load succeeds"
[ -s "$TMP/cmdline" ] && ! grep -q "$TEST_TOKEN" "$TMP/environ" "$TMP/cmdline"
ok $? "token absent from /proc/PID/environ and cmdline during the run"
like "$(cat "$TMP/limits")" "Max core file size +0 +0" "core dumps are disabled"
! grep -q "$TEST_TOKEN" "$TMP/out" "$TMP/err"
ok $? "token absent from stdout and stderr (at -vv)"
! sqlite3 "$DB" .dump | grep -q "$TEST_TOKEN"
ok $? "token absent from the database"
! grep -aq "$TEST_TOKEN" "$DB" "$DB-wal" 2>/dev/null
ok $? "token absent from the database files' bytes"

done_testing
