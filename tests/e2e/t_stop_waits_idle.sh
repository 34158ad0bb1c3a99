#!/bin/sh
# After a stop, the main thread (the supervisor) waits for the writer to
# drain without spinning: it sleeps in poll() until the writer is done.
# Here the drain is long on purpose: the writer's last batch waits for a
# write lock another connection holds for 4 s, within SQLite's 5 s busy
# timeout. -vv logs the CPU the supervisor took; a supervisor that forgot
# it had aborted the work queue would poll the stop's descriptor, readable
# for good, over and over, and take most of a core for those seconds (a
# mutant of pipeline.c did, and exited the same).
. "$(dirname "$0")/lib.sh"
plan 5

start_fake --movies 40 --deleted 0
set -- $(catalogue_ids 3 --movies 40 --deleted 0)
mkfifo "$TMP/ids"
"$BIN" --db "$DB" --no-progress -vv --rate 0 --batch 1 ids - <"$TMP/ids" >/dev/null 2>"$TMP/err" &
pid=$!
exec 3>"$TMP/ids"
echo "$1 $2" >&3
wait_for_movies 2 "$pid"
# 4 s: the wait for the third answer and the signal take up to 2 s on a
# loaded machine under TSan (1.25 s were left of 3 once), and the writer's
# wait, begun after that answer, stays within the 5 s busy timeout
hold_write_lock 4
echo "$3" >&3 # fetched at once; the writer's batch for it waits for the lock
wait_for "the third movie's answer" "$pid" fake_answered details 3
sleep 0.3
start=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
RC=$?
ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
exec 3>&-
wait "$LOCKER_PID" 2>/dev/null
ERR=$(cat "$TMP/err")
is "$RC" 143 "SIGTERM while the last batch waits for the lock: exit 143"
is "$(sql 'SELECT count(*) FROM movies')" 3 "the third movie was committed once the lock was free"
# the precondition: the supervisor had seconds to spin in
[ "$ELAPSED_MS" -ge 1500 ]
ok $? "the stop waited for the writer (${ELAPSED_MS} ms)"
cpu=$(printf '%s\n' "$ERR" | sed -n 's/^tmdb-ingest: supervisor: \([0-9.]*\) s of CPU$/\1/p')
like "$cpu" '^[0-9]+\.[0-9]+$' "-vv logs the supervisor's CPU ($cpu s)"
# a spin takes most of the wait's seconds even on a busy machine; a sleep
# a few ms (0.3 s leaves room for a sanitizer build on a loaded one)
awk -v c="${cpu:-9}" 'BEGIN { exit !(c < 0.3) }'
ok $? "the supervisor slept through the wait: ${cpu:-?} s of CPU in ${ELAPSED_MS} ms"

done_testing
