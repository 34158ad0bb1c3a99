#!/bin/sh
# --log-format json: every line on stderr is one JSON object with time,
# level and event; the run summary is the event run_finished with its
# counts; warnings keep their text; nothing else is written. A dry run's
# result, what it was asked for, is the event dry_run on stdout.
. "$(dirname "$0")/lib.sh"
plan 16

start_fake --movies 30 --deleted 2
run_ingest export --export-base "$FAKE_URL/p/exports" --include-adult --include-video --rate 0 --log-format json -v
is "$RC" 0 "exit 0"
printf '%s\n' "$ERR" >"$TMP/log.jsonl"
"$PYTHON" - "$TMP/log.jsonl" >"$TMP/check" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = [l for l in lines if not l.startswith("{")]
objs = [json.loads(l) for l in lines if l.startswith("{")]
missing = [o for o in objs if not {"time", "level", "event"} <= o.keys()]
summary = [o for o in objs if o["event"] == "run_finished"]
print(len(bad), len(missing), len(summary))
s = summary[0] if summary else {}
print(s.get("status"), s.get("stored"), s.get("missing"), s.get("requested"))
print(sum(1 for o in objs if o["event"] == "message" and o["level"] == "info"))
print(sum(1 for o in objs if o["level"] == "debug"))
PY
set -- $(sed -n 1p "$TMP/check")
is "$1 $2" "0 0" "every line is a JSON object with time, level and event"
is "$3" 1 "one run_finished event"
is "$(sed -n 2p "$TMP/check")" "ok 28 0 28" "its fields: status, stored, missing, requested"
[ "$(sed -n 3p "$TMP/check")" -ge 1 ]; ok $? "-v messages are info events"
is "$(sed -n 4p "$TMP/check")" 0 "-v logs no debug event (each thread's CPU is -vv's)"
run_ingest export --export-base "$FAKE_URL/p/exports" --dry-run --log-format json
is "$RC" 0 "a dry run: exit 0"
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
lines = sys.stdin.read().splitlines()
o = json.loads(lines[0])
print(len(lines), o["event"], o["level"], o["would_fetch"], "time" in o)')" "1 dry_run info 26 True" \
    "a dry run's result: one JSON object on stdout, event dry_run, with would_fetch"
unlike "$ERR" "dry_run" "and not on stderr"
run_ingest ids 1 --log-format yaml
is "$RC" 2 "an unknown format is a usage error"

# Usage errors are JSON lines too, wherever --log-format json stands.
# (also abbreviated, as getopt_long accepts it)
for args in "--log-format json --workers 999 ids 1" "--bogus --log-format=json ids 1" \
    "--log-f json --pages 0 list popular" "--lo=json --workers 0 ids 1"; do
    # shellcheck disable=SC2086
    run_ingest $args
    [ "$RC" = 2 ] && printf '%s\n' "$ERR" | "$PYTHON" -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if lines and all(l["level"] == "error" for l in lines) else 1)'
    ok $? "usage error with $args: exit 2, every stderr line a JSON error object"
done
run_ingest --workers 999 ids 1
like "$ERR" "^tmdb-ingest: --workers wants" "without it, the plain text message"
# The last --log-format given wins, as in parsing.
run_ingest --log-format json --log-format text --bogus ids 1
like "$RC:$ERR" "^2:tmdb-ingest: unknown option '--bogus'" "json then text: the plain text message"

done_testing
