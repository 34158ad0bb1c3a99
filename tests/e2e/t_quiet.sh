#!/bin/sh
# -q (what crontab.example recommends, for mail only on errors): a run that
# ends ok writes nothing; one that does not still writes its summary line
# and the warnings it held back, which say why (cron's mail ignores the exit
# status: without them a partial night reached nobody). A warning about
# the run's setup, which comes back at every run until the line is fixed,
# is written all the same: held back, the mail that should tell of it never
# comes. dump -q still gives the next --since, its result.
. "$(dirname "$0")/lib.sh"
plan 21

day() { date -u -d "$1 day" +%F; }
FAKE_OPTS="--movies 300 --deleted 0"
# one movie TMDB reports changed the day before yesterday answers 500
bad=$("$PYTHON" "$FAKE" $FAKE_OPTS --dump-changes "$(day -2)" "$(day -2)" | sort -n | head -1)
start_fake $FAKE_OPTS --fault 4599:500 --fault 3491:title_int --fault "$bad:500"

run_ingest -q ids 3869 120 --rate 0
is "$RC:$ERR" "0:" "a run that ends ok: exit 0, nothing on stderr"
# an earlier run died (kill -9, out of memory): said even with -q, once,
# by the run that marks it aborted; from cron nothing else would say it
sql "UPDATE runs SET status = 'running'"
run_ingest -q ids 3869 --rate 0
like "$RC:$ERR:$(sql 'SELECT status FROM runs WHERE id = 1')" \
    "^0:tmdb-ingest: warning: 1 earlier run\\(s\\) had died without finishing .*; marked aborted .*:aborted\$" \
    "a run that ends ok after a dead one: exit 0, the death said, nothing else (the run marked aborted)"
run_ingest -q ids 3869 --rate 0
is "$RC:$ERR" "0:" "the run after it: nothing, the death said once"

run_ingest -q ids 4599 3491 3869 120 --rate 0 --retries 1
is "$RC" 3 "two movies failing: exit 3"
like "$ERR" "^tmdb-ingest: run [0-9]+ partial: requested=4 stored=2 missing=0 failed=2 " \
    "its summary line is written all the same"

printf '3869 x 120\n' >"$TMP/ids"
INGEST_STDIN=$TMP/ids run_ingest -q ids - --rate 0
is "$RC" 3 "a token that is not a movie id: exit 3"
like "$ERR" "warning: standard input line 1: \"x\" is not a movie id; skipped" \
    "the warning that names it, held back while the run went on, is written"
like "$(printf '%s\n' "$ERR" | tail -n 1)" "^tmdb-ingest: run [0-9]+ partial: .* failed=1 " \
    "then the summary line, last"

i=0
while [ $i -lt 40 ]; do
    echo "bad$i"
    i=$((i + 1))
done >"$TMP/ids"
INGEST_STDIN=$TMP/ids run_ingest -q ids - --rate 0
is "$(printf '%s\n' "$ERR" | grep -c 'is not a movie id')" 32 "at most 32 warnings are held back"
like "$ERR" "warning: 8 more warning\(s\) not kept \(-q\)" "and the rest counted"

# changes: a failed movie is noted to be fetched again; the warning saying
# so is written after the pipeline, at the run's end
sql "INSERT OR REPLACE INTO meta (key, value) VALUES ('changes_from', '$(day -2)')"
run_ingest -q changes --rate 0 --retries 0
is "$RC" 3 "changes with a movie failing: exit 3"
like "$ERR" "warning: [0-9]+ movie\(s\) failed; noted in stale_copies: the next 'changes' run fetches them again" \
    "the warning that the failed movies are noted is written"
like "$ERR" "run [0-9]+ partial: " "and the summary line"
is "$(sql "SELECT count(*) > 0 FROM stale_copies WHERE copy_made_at IS NULL")" 1 \
    "the failed movie is noted"

run_ingest -q --log-format json ids 4599 --rate 0 --retries 0
printf '%s\n' "$ERR" | "$PYTHON" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if [e["status"] for e in ev if e["event"] == "run_finished"] == ["partial"] else 1)'
ok $? "--log-format json -q: the run_finished event of a partial run is written"

TMDB_API_TOKEN=wrong run_ingest -q ids 3869 --rate 0
like "$RC:$ERR" "^1:tmdb-ingest: error: .*401" "a rejected credential: exit 1 and the error"
like "$ERR" "run [0-9]+ failed: " "and the summary line of the failed run"

# Setup warnings, each in a run that ends ok: a token file others may
# read; an --append that leaves out the parts the database was loaded with.
printf '%s\n' "$TEST_TOKEN" >"$TMP/token"
chmod 644 "$TMP/token"
main_db=$DB
DB=$TMP/setup.sqlite3
TMDB_API_TOKEN= run_ingest -q --token-file "$TMP/token" ids 3869 120 --rate 0 --append credits
like "$RC:$ERR" "^0:tmdb-ingest: warning: token file .* may be read by other users \(mode 644\)" \
    "-q, a run that ends ok: a token file others may read is said all the same"
is "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" 1 "and nothing else"
run_ingest -q ids 3869 --rate 0
like "$RC:$ERR" "^0:tmdb-ingest: warning: most of the 2 stored movies were stored with credits, left out of this run's --append" \
    "-q: an --append that leaves out the database's parts is said all the same"
DB=$main_db

run_ingest -q dump
like "$RC:$ERR" "^0:tmdb-ingest: dumped [0-9]+ row\(s\) of movies; next time: --since [0-9]+\$" \
    "dump -q still gives the next --since: a downstream job needs it"

done_testing
