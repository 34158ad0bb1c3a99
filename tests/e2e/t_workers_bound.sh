#!/bin/sh
# Workers that wait L seconds for each answer send at most workers / L
# requests a second, whatever --rate allows: against a slow server (TMDB
# from far away: hundreds of ms an answer) the default 5 workers keep a
# whole-catalogue export at a fraction of its rate. A run of at least 100
# answers that found so says it at its end, with the --workers that would
# reach the rate, also with -q (a warning about the run's setup, which
# comes back until --workers changes: cron's mail is where the operator
# learns of it); not without a rate (--rate 0), not from fewer answers, not
# when the workers keep up, not when they were idle for want of ids or
# paused by 429s (more workers would not go faster there).
. "$(dirname "$0")/lib.sh"
plan 17

FAKE_OPTS="--movies 200 --deleted 0"
# One worker at 40 ms an answer sends at most 25 a second, under 80 % of
# the default --rate 35.
start_fake $FAKE_OPTS --latency-ms 40
"$PYTHON" "$FAKE" --dump-ids $FAKE_OPTS | head -n 110 >"$TMP/ids"
head -n 60 "$TMP/ids" >"$TMP/few"
INGEST_STDIN=$TMP/ids

run_ingest --workers 1 ids -
is "$RC" 0 "a run the workers held back: exit 0"
like "$ERR" "warning: the workers held this run back: answers took [0-9]+ ms on average, so 1 worker\\(s\\) sent at most [0-9.]+ requests/s, under --rate 35; --workers [0-9]+ would reach it" \
    "it says so, with the workers' pace and the rate"
needed=$(printf '%s\n' "$ERR" | sed -n 's/.*; --workers \([0-9]*\) would reach it.*/\1/p')
[ "${needed:-0}" -ge 2 ] && [ "$needed" -le 10 ]
ok $? "the --workers it names would reach the rate at that pace (2 at 40 ms an answer: $needed)"
like "$ERR" "run 1 ok: requested=110 stored=110" "the summary follows it"

rm -f "$DB"*
run_ingest -q --workers 1 ids -
is "$RC:$(printf '%s\n' "$ERR" | grep -c .):$(printf '%s\n' "$ERR" | grep -c 'held this run back')" \
    "0:1:1" "-q: a run that ends ok says it all the same, and nothing else (the setup's warning)"

rm -f "$DB"*
run_ingest --log-format json --workers 1 ids -
line=$(printf '%s\n' "$ERR" | grep 'workers held this run back')
printf '%s' "$line" | "$PYTHON" -c '
import json, sys
e = json.loads(sys.stdin.read())
sys.exit(0 if e["level"] == "warn" and "--workers" in e["message"] else 1)' 2>/dev/null
ok $? "--log-format json: the warning is one JSON object, level warn"

rm -f "$DB"*
run_ingest --workers 1 --rate 0 ids -
is "$RC" 0 "--rate 0: exit 0"
unlike "$ERR" "held this run back" "no rate to reach: no warning"

rm -f "$DB"*
INGEST_STDIN=$TMP/few run_ingest --workers 1 ids -
is "$RC" 0 "60 answers: exit 0"
unlike "$ERR" "held this run back" "fewer than 100 answers: no warning (too little to tell the pace by)"

rm -f "$DB"*
run_ingest --workers 5 ids -
is "$RC" 0 "5 workers at 40 ms: exit 0"
unlike "$ERR" "held this run back" "workers that can send 125 a second keep up with 35: no warning"

# Ids that trickle in (a slow pipe): the worker waits for them more than
# for its answers, and more workers would not help.
rm -f "$DB"*
head -n 105 "$TMP/ids" | while read -r id; do echo "$id"; sleep 0.12; done |
    "$BIN" --db "$DB" --no-progress --workers 1 ids - >/dev/null 2>"$TMP/err"
is "$?:$(grep -c 'held this run back' "$TMP/err")" "0:0" \
    "a worker idle two thirds of the time, waiting for its ids: no warning"

# The server allows 20 a second (429s above): 2 workers at 40 ms could
# send 50, under --rate 100, but the 429s held the run back, not the
# workers, and more of them would only meet more 429s.
start_fake $FAKE_OPTS --latency-ms 40 --rate-limit 20
rm -f "$DB"*
run_ingest --workers 2 --rate 100 ids -
is "$RC" 0 "a run the server throttled: exit 0"
unlike "$ERR" "held this run back" "429s held it back, not the workers: no warning"
start_fake $FAKE_OPTS --latency-ms 40

# --rate 5000 at 40 ms an answer would need 223 workers: within the 256
# allowed. At --rate 100000, more than 256: the most there can be, and
# what they would send.
rm -f "$DB"*
run_ingest --workers 1 --rate 100000 ids -
is "$RC" 0 "--rate 100000: exit 0"
like "$ERR" "under --rate 100000; even 256 workers would send at most [0-9.]+" \
    "a rate no number of workers reaches: what the most would send"
done_testing
