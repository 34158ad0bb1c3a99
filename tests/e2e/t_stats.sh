#!/bin/sh
# stats: the database at a glance, read-only: counts that match the tables,
# the changes cursor, the freshness histogram, the last runs; the same as
# one JSON object with --format json.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 34

start_fake --movies 40 --deleted 2
run_ingest stats
is "$RC" 2 "no database: exit 2"
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$(date -u +%F)" --rate 0 --append credits,release_dates
stored=$(sql 'SELECT count(*) FROM movies')
sql "UPDATE movies SET deleted_at = '2026-01-01T00:00:00Z', fetched_at = '2020-01-01T00:00:00Z' WHERE id = (SELECT min(id) FROM movies)"
before=$(cksum <"$DB")
run_ingest stats
is "$RC" 0 "stats exits 0"
like "$OUT" "Movies +$stored stored, 1 of them deleted" "movies and deleted"
like "$OUT" "credits for $stored," "appended parts"
like "$OUT" "Parts      credits for $stored, keywords for 0, release_dates for $stored \\(" \
    "each part a movie holds, credits and keywords always; no others held, none named"
like "$OUT" "Changes +complete through $(date -u -d '-1 day' +%F)" "how far the changes are complete"
like "$OUT" "fetched <1 day: $((stored - 1)),.* older: 1" "freshness histogram"
like "$OUT" "  1  [0-9T:Z-]+ +[0-9]+h[0-9]{2}m[0-9]{2}s  ok +0 +$stored +0 +0 +0  export" "the run, with its duration"
# Each heading of the runs' table stands over its column: the figures end
# where their heading ends, and the source starts where its heading does.
printf '%s\n' "$OUT" | "$PYTHON" -c '
import re, sys
lines = sys.stdin.read().split("\n")
head, row = lines[lines.index("Last runs") + 1:][:2]
words = {m.start(): m.end() for m in re.finditer(r"\S+", row)}
ends = [m.end() for m in re.finditer(r"exit|stored|missing|failed|skipped", head)]
sys.exit(0 if set(ends) <= set(words.values()) and head.index("source") in words else 1)'
is "$?" 0 "the runs' headings stand over their columns (exit, the counts, the source)"
is "$(cksum <"$DB")" "$before" "stats wrote nothing"
# stats reads indexes, not the table: a movie's row holds raw_json (overflow
# pages) before deleted_at and appended, and a scan of it read the whole
# table (GBs for the whole catalogue at every poll). The bytes its read()s
# got, from /proc (the exited process, not yet reaped), against the
# table's size: the read of a scan counts whether the page cache held it.
# On a copy whose bodies are 64 KiB longer (JSON allows the blanks), so
# that the table outweighs what stats reads whatever the database's size
# (the schema, the indexes: ~150 KB here).
cp "$DB" "$TMP/big.sqlite3"
sqlite3 "$TMP/big.sqlite3" "UPDATE movies SET raw_json = raw_json || printf('%65536s', '')"
table=$(sqlite3 "$TMP/big.sqlite3" "SELECT sum(pgsize) FROM dbstat WHERE name = 'movies'")
read=$("$PYTHON" -c '
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
io = dict(l.split(": ") for l in open("/proc/%d/io" % pid).read().split("\n") if l)
sys.exit(print(io["rchar"]) if os.waitpid(pid, 0)[1] == 0 else "stats failed")
' "$BIN" --db "$TMP/big.sqlite3" stats)
ok "$([ "${read:-$table}" -lt $((table / 4)) ]; echo $?)" \
    "stats reads $read bytes, under a quarter of the movies table's $table"
# --format json: the same figures, as one JSON object on one line.
run_ingest stats --format json
is "$RC:$(printf '%s\n' "$OUT" | wc -l)" "0:1" "stats --format json: exit 0, one line"
"$PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
stored, yesterday, today = int(sys.argv[2]), sys.argv[3], sys.argv[4]
run = d["runs"][0]
checks = [
    d["schema_version"] == 8 and d["language"] == "ko-KR",
    d["movies"] == {"stored": stored, "deleted": 1, "with_credits": stored,
                    "with_keywords": 0, "with_release_dates": stored, "with_external_ids": 0,
                    "with_translations": 0, "failed": 0},
    d["changes"] == {"complete_through": yesterday, "next_from": today, "stale_copies": 0,
                     "stale_copies_failed": 0, "stale_copies_oldest_noted": None},
    d["freshness"]["days_0_1"] == stored - 1 and d["freshness"]["days_90_up"] == 1,
    d["freshness"]["oldest_fetch"] == "2020-01-01T00:00:00Z",
    len(d["runs"]) == 1 and run["id"] == 1 and run["status"] == "ok",
    run["exit_status"] == 0 and run["error"] is None,
    run["stored"] == stored and run["requested"] == stored and run["failed"] == 0,
    isinstance(run["duration_s"], (int, float)) and run["source"].startswith("export"),
    run["uid"] == sys.argv[5],
]
for i, c in enumerate(checks):
    if not c:
        sys.exit("check %d failed: %s" % (i, json.dumps(d)))
' "$OUT" "$stored" "$(date -u -d '-1 day' +%F)" "$(date -u +%F)" \
    "$(sql 'SELECT uid FROM runs WHERE id = 1')" 2>"$TMP/check"
is "$?" 0 "the JSON holds the same counts, cursor, freshness and run $(cat "$TMP/check")"
run_ingest stats --format jsonl
like "$RC:$ERR" "^2:.*stats --format wants text or json" "dump's format: usage error"
"$BIN" --db "$DB" stats --format json >/dev/full 2>"$TMP/err"
is "$?" 1 "stats --format json to a full disk: exit 1"
# Text that is not UTF-8 (a run's source written by hand): still valid JSON.
sqlite3 "$DB" "INSERT INTO runs (started_at, command, source, status)
               VALUES ('2026-11-26T11:00:00Z', 'ids', CAST(X'6964732dfffe' AS TEXT), 'aborted')"
"$BIN" --db "$DB" stats --format json | "$PYTHON" -c '
import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
sys.exit(0 if d["runs"][0]["source"] == "ids-\ufffd\ufffd" else 1)'
is "$?" 0 "a source that is not UTF-8: valid JSON, U+FFFD for the bad bytes"
# A database from another machine (or edited by hand) whose text holds
# control characters: the text report writes them as spaces, as search
# writes its hits, so that no stored text sends an escape sequence to the
# terminal (OSC 52 sets the clipboard; a C1 CSI starts one too) or forges a
# line of the report. Stats printed them raw.
sqlite3 "$DB" "INSERT INTO runs (started_at, command, source, status)
               VALUES ('2026-11-26T11:30:00Z', 'ids', 'ids' || char(27) || ']52;c;b3duZWQ='
                       || char(7) || char(155) || '2J' || char(10) || '  99  forged run', 'aborted')"
run_ingest stats
is "$RC:$(printf '%s' "$OUT" | LC_ALL=C tr -d '\n\040-\176\200-\377' | wc -c):$(printf '%s' "$OUT" |
    LC_ALL=C grep -c "$(printf '\302\233')")" "0:0:0" \
    "stats: a stored source's control characters (C0, C1) are not written to the terminal"
is "$(printf '%s\n' "$OUT" | grep -c '^  99  forged run')" 0 \
    "nor does its newline forge a line of the report"
# Stored text that is not UTF-8 (the source above of 0xFF 0xFE, one of a
# raw 0x9B, an 8-bit terminal's CSI): U+FFFD for each stray byte, as search
# and the JSON write it; stats wrote the bytes raw.
sqlite3 "$DB" "INSERT INTO runs (started_at, command, source, status)
               VALUES ('2026-11-26T11:40:00Z', 'ids', CAST(X'6964739b324a' AS TEXT), 'aborted')"
run_ingest stats
printf '%s' "$OUT" | "$PYTHON" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' 2>/dev/null
is "$RC:$?:$(printf '%s\n' "$OUT" | grep -c "ids$(printf '\357\277\2752J')$")" "0:0:1" \
    "stats: stored text that is not UTF-8 is written as U+FFFD, not as raw bytes (0x9B)"
# so is the meta's (a date held in a fixed array: '?' for each stray byte)
created=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'created_at'")
sqlite3 "$DB" "UPDATE meta SET value = CAST(X'323032369b324a' AS TEXT) WHERE key = 'created_at'"
run_ingest stats
printf '%s' "$OUT" | "$PYTHON" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' 2>/dev/null
is "$RC:$?:$(printf '%s\n' "$OUT" | grep -c 'created 2026?2J)')" "0:0:1" \
    "stats: the meta's text that is not UTF-8 has '?' for its stray bytes, not raw 0x9B"
sqlite3 "$DB" "UPDATE meta SET value = '$created' WHERE key = 'created_at'"
# An aborted run: the next run stamped finished_at when it found it dead,
# days later; that is no duration.
sqlite3 "$DB" "INSERT INTO runs (started_at, finished_at, command, source, status)
               VALUES ('2026-11-01T11:00:00Z', '2026-11-18T11:00:00Z', 'ids -', 'ids -', 'aborted')"
run_ingest stats
like "$OUT" "  [0-9]+  2026-11-01T11:00:00Z +- +aborted " "an aborted run: no duration"
"$BIN" --db "$DB" stats --format json | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
r = d["runs"][0]
sys.exit(0 if r["status"] == "aborted" and r["duration_s"] is None and r["uid"] is None
         and r["exit_status"] is None and r["error"] is None else 1)'
is "$?" 0 "and duration_s null in the JSON (and uid, exit_status, error: a row without them)"
# A run that failed: its exit status in the table and, under the runs, the
# error it reported; stored text, so on one line, its control characters
# as spaces (a row made by hand holds a newline and an escape here).
sqlite3 "$DB" "INSERT INTO runs (started_at, finished_at, command, source, status, exit_status, error)
               VALUES ('2026-11-27T03:00:00Z', '2026-11-27T03:05:00Z', 'ids -', 'ids -', 'failed', 7,
                       'TMDB or the network looks down' || char(10) || char(27) || '[2J  77  forged')"
id=$(sql "SELECT max(id) FROM runs")
run_ingest stats
like "$OUT" "  $id  2026-11-27T03:00:00Z +0h05m00s +failed +7 +0 +0 +0 +0  ids -" \
    "a failed run: its exit status in the table"
like "$OUT" "  run $id: TMDB or the network looks down  \\[2J  77  forged" \
    "and the error it reported under the runs, on one line"
"$BIN" --db "$DB" stats --format json | "$PYTHON" -c '
import json, sys
r = json.load(sys.stdin)["runs"][0]
sys.exit(0 if r["exit_status"] == 7
         and r["error"] == "TMDB or the network looks down\n\x1b[2J  77  forged" else 1)'
is "$?" 0 "the JSON: exit_status 7, and the error as stored"
# A fresh database: what does not exist yet is null.
run_ingest list now_playing --rate 0 --db "$TMP/fresh.sqlite3"
"$BIN" --db "$TMP/fresh.sqlite3" stats --format json | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["changes"] == {"complete_through": None, "next_from": None,
                               "stale_copies": 0, "stale_copies_failed": 0,
                               "stale_copies_oldest_noted": None} else 1)'
is "$?" 0 "no export yet: changes are null"
run_ingest stats --workers 3
is "$RC" 2 "load options are refused"
# $TMDB_API_BASE is for loads: a bad one in the environment stops a load
# (exit 2) but not a report, which never talks to the API.
saved_base=$TMDB_API_BASE
export TMDB_API_BASE=api.themoviedb.org/3
run_ingest stats
is "$RC" 0 "stats with a bad \$TMDB_API_BASE in the environment: exit 0"
run_ingest ids 550
like "$RC:$ERR" "^2:.*TMDB_API_BASE \\(the default --api-base\\) must be an http" "a load with it: exit 2, why, naming the variable"
export TMDB_API_BASE=$saved_base
# A report a full disk cut short is a failure, not an empty success.
"$BIN" --db "$DB" stats >/dev/full 2>"$TMP/err"
is "$?" 1 "stats to a full disk: exit 1"
like "$(cat "$TMP/err")" "error: writing the statistics: No space left on device" "and says why"

# A movie TMDB answers with a body that cannot be stored is noted in
# stale_copies and fetched again, and failed again, by every changes run:
# a fetch_failures row a night, for as long as TMDB keeps answering so.
# stats counts the movies never stored whose last attempt failed, in time
# that grows with the rows, not with their square (a row's "is it the
# movie's last?" read all the movie's rows: 10 such movies failing nightly
# for three years took stats 6 s, 100 of them 400 s). Here 20 such movies
# over 1500 nights; one whose last answer was TMDB's 404, and a stored
# movie that failed since, are not counted.
FAILING=$TMP/failing.sqlite3
cp "$DB" "$FAILING"
stored_id=$(sqlite3 "$FAILING" 'SELECT min(id) FROM movies WHERE deleted_at IS NULL')
sqlite3 "$FAILING" "
WITH RECURSIVE night(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM night WHERE n < 1500)
INSERT INTO runs (id, started_at, finished_at, command, source, status, exit_status)
SELECT 1000 + n, '2026-01-01T06:30:00Z', '2026-01-01T06:31:00Z', 'changes', 'changes', 'partial', 3
  FROM night;
WITH RECURSIVE night(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM night WHERE n < 1500),
     never(id) AS (SELECT 90000001 UNION ALL SELECT id + 1 FROM never WHERE id < 90000021)
INSERT INTO fetch_failures (run_id, movie_id, kind, http_status, reason, attempts, recorded_at)
SELECT 1000 + n, id, CASE WHEN id = 90000021 AND n = 1500 THEN 'missing' ELSE 'failed' END,
       200, 'bad payload: genres is not an array', 1, '2026-01-01T06:30:30Z'
  FROM night, (SELECT id FROM never UNION ALL SELECT $stored_id);" || bail "could not insert"
INGEST_TIMEOUT=20 run_ingest stats --db "$FAILING"
like "$RC:$(printf '%s' "$OUT" | grep '^Failed')" "^0:Failed +20 movie\\(s\\) not stored after" \
    "stats on 1500 nights of 20 movies failing: within 20 s, counting the 20"

# During a load, one stats is one snapshot: its counts, histogram and runs
# agree. (Each query read the database as of its own moment, so a commit
# in between made movies.stored differ from the histogram's sum.)
stop_fake
start_fake --movies 2000 --deleted 0 --latency-ms 5
BUSY=$TMP/busy.sqlite3
"$BIN" --db "$BUSY" --no-progress -q list now_playing --pages all --rate 0 --workers 8 --batch 1 &
load=$!
wait_for "51 movies stored" "$load" movies_at_least 51 "$BUSY"
n=0
while [ $n -lt 20 ] && kill -0 $load 2>/dev/null; do
    "$BIN" --db "$BUSY" stats --format json
    n=$((n + 1))
done >"$TMP/busy.jsonl" 2>&1
wait $load
is "$("$PYTHON" -c '
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
bad = [(d["movies"]["stored"], sum(v for k, v in d["freshness"].items() if k.startswith("days")))
       for d in ds]
bad = [b for b in bad if b[0] != b[1]]
print(len(ds) >= 5, bad)' "$TMP/busy.jsonl")" "True []" \
    "stats during a load: movies.stored equals the histogram's sum, every time"
# The running run's counts are its progress so far (each commit updates
# them): the load started on an empty database, so its stored count is the
# movies stored in the same snapshot; before, 0 until the run's end.
is "$("$PYTHON" -c '
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
live = [(d["runs"][0]["stored"], d["movies"]["stored"]) for d in ds
        if d["runs"][0]["status"] == "running"]
print(len(live) >= 1, [x for x in live if x[0] != x[1] or x[0] == 0])' "$TMP/busy.jsonl")" \
    "True []" "stats during a load: the running run's stored count is its progress so far"

done_testing
