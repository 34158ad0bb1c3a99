#!/bin/sh
# merge while a load on the input is still running, dump, let it finish,
# merge again, dump --since the id the first dump gave: every movie comes
# in one of the two dumps. The run merged while running has no end yet, so
# the first dump's next --since stays before it. (Before, it was copied as
# ended at the merge: the second dump started after the movies it fetched
# later, and those never came.) A merge into the database being loaded
# is refused, exit 6 (locked: nothing done), saying nothing was merged.
. "$(dirname "$0")/lib.sh"
plan 9

start_fake --movies 200 --deleted 0
IDS=$(catalogue_ids 30 --movies 200 --deleted 0)
SHARD="$TMP/shard.sqlite3"
OUT="$TMP/out.sqlite3"
# The load reads its ids from a FIFO held open until the merges below are
# done: it runs, holding its lock, until the test gives it the rest. (A
# load of all 30 at --rate 10, counted on to last 2 s past its fifth
# movie, had ended before the merges under TSan on a loaded machine: no
# exit 6, no run still running to warn of.)
mkfifo "$TMP/ids"
"$BIN" --db "$SHARD" --no-progress ids - --rate 0 --workers 1 <"$TMP/ids" 2>/dev/null &
pid=$!
exec 3>"$TMP/ids"
set -- $IDS
echo "$1 $2 $3 $4 $5" >&3
wait_for "5 movies in the shard" "$pid" movies_at_least 5 "$SHARD"
shift 5
sqlite3 "$SHARD" ".backup '$TMP/other.sqlite3'"
before=$(sqlite3 "$SHARD" 'SELECT count(*) FROM runs')
"$BIN" merge "$SHARD" "$TMP/other.sqlite3" 2>"$TMP/into.err"
is "$?" 6 "a merge into the database being loaded: exit 6 (locked), not 1"
like "$(cat "$TMP/into.err")" "^tmdb-ingest: error: another tmdb-ingest is already running on .*shard.sqlite3 \(it holds .*shard.sqlite3.lock: process [0-9]*\): nothing merged into it; merge again once it has ended\$" \
    "the message fits a merge (not 'not starting a second load')"
is "$(sqlite3 "$SHARD" 'SELECT count(*) FROM runs')" "$before" "nothing was merged into it"
"$BIN" merge "$OUT" "$SHARD" 2>"$TMP/merge.err"
is "$?" 0 "merge while the input's load runs: exit 0"
like "$(cat "$TMP/merge.err")" "1 run\(s\) of .* were still running .*: merge it again once they have ended .*; a run whose load was killed ends only when the next load on $SHARD marks it aborted" \
    "and says to merge it again, and how a killed load's run ends"
"$BIN" --db "$OUT" dump >"$TMP/d1.jsonl" 2>"$TMP/d1.err"
next=$(sed -n 's/.*next time: --since \([0-9]*\).*/\1/p' "$TMP/d1.err")
is "$next" 0 "the first dump's next --since stays before the running run"
echo "$*" >&3 # the 25 others, fetched after the merge; then the input ends
exec 3>&-
wait $pid
is "$?" 0 "the load ends"
"$BIN" merge "$OUT" "$SHARD" 2>/dev/null
"$BIN" --db "$OUT" dump --since "$next" >"$TMP/d2.jsonl" 2>/dev/null
got=$(cat "$TMP/d1.jsonl" "$TMP/d2.jsonl" | "$PYTHON" -c '
import json, sys
print(" ".join(str(i) for i in sorted({json.loads(l)["id"] for l in sys.stdin if l.strip()})))')
want=$(echo $IDS | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
is "$got" "$want" "every movie came in one of the two dumps"
"$BIN" --db "$OUT" dump --since "$next" --table runs >"$TMP/runs.jsonl" 2>/dev/null
like "$(cat "$TMP/runs.jsonl")" '"status":"ok"' "and the run, as it ended"

done_testing
