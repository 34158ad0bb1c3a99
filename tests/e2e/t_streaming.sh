#!/bin/sh
# The producer streams: detail requests start while later list pages are
# still being fetched, and the writer commits in batches, so a reader sees
# movies before the load ends.
. "$(dirname "$0")/lib.sh"
plan 4

start_fake --movies 100 --deleted 0 --latency-ms 40
"$BIN" --db "$DB" --no-progress list now_playing --pages all --workers 2 --rate 0 \
    </dev/null >"$TMP/out" 2>"$TMP/err" &
pid=$!
seen=0
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
    n=$(sqlite3 "$DB" "SELECT count(*) FROM movies" 2>/dev/null || echo 0)
    if [ "${n:-0}" -gt 0 ] && kill -0 "$pid" 2>/dev/null; then seen=$n; break; fi
    sleep 0.1
    i=$((i + 1))
done
wait "$pid"
RC=$?
ERR=$(cat "$TMP/err")
is "$RC" 0 "exit 0"
[ "$seen" -gt 0 ] && [ "$seen" -lt 100 ]
ok $? "a reader saw $seen committed movies while the load was running"
is "$(sql 'SELECT count(*) FROM movies')" 100 "every movie stored"
fake_snapshot
first_detail=$(fake_stat first_at.details)
last_list=$(fake_stat last_at.list)
"$PYTHON" -c "import sys; sys.exit(0 if float('$first_detail') < float('$last_list') else 1)"
ok $? "first detail request (${first_detail}s) came before the last list page (${last_list}s)"

done_testing
