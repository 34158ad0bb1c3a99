#!/bin/sh
# dump: the supported interface for downstream extracts. All rows as JSON
# lines or CSV; a second dump since the first returns only what changed
# (--since the run id the first one printed); links come with their movies;
# a movie marked deleted counts as changed; text that is not UTF-8 still
# makes JSON; a REAL stays a float, in its shortest exact form; bad --since
# is a usage error.
. "$(dirname "$0")/lib.sh"
plan 33

start_fake --movies 30 --deleted 0
set -- $(catalogue_ids 30 --movies 30 --deleted 0)
first10="$1 $2 $3 $4 $5 $6 $7 $8 $9 ${10}"
run_ingest ids "$@" --rate 0
is "$RC" 0 "load 30 movies"

run_ingest dump
is "$RC" 0 "dump exits 0"
is "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 30 "all 30 movies, one JSON object per line"
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(all(isinstance(r["id"], int) and isinstance(r["title"], str) and "raw_json" in r for r in rows))')" \
    True "typed values under the schema's column names"
like "$ERR" "dumped 30 row\(s\) of movies; next time: --since 1" "says where to start next time"

# REAL columns: a whole number stays a float (7.0, not 7), 0.1 is not
# 0.10000000000000001, and an infinity (JSON has none) is null.
cp "$DB" "$TMP/reals.sqlite3"
sqlite3 "$TMP/reals.sqlite3" "UPDATE movies SET vote_average = 7.0, popularity = 0.1 WHERE id = $1;
    UPDATE movies SET vote_average = 1e999, popularity = 123456.789 WHERE id = $2"
"$BIN" --db "$TMP/reals.sqlite3" dump 2>/dev/null >"$TMP/reals.jsonl"
is "$("$PYTHON" -c '
import json, sys
rows = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
a, b = rows[int(sys.argv[2])], rows[int(sys.argv[3])]
print(repr(a["vote_average"]), repr(a["popularity"]), b["vote_average"], repr(b["popularity"]),
      all(isinstance(r["vote_average"], (float, type(None))) for r in rows.values()))' \
    "$TMP/reals.jsonl" "$1" "$2")" "7.0 0.1 None 123456.789 True" "REAL columns read back as floats, exactly"
grep -q '"vote_average":7.0,' "$TMP/reals.jsonl" && grep -q '"popularity":0.1,' "$TMP/reals.jsonl"
ok $? "written as 7.0 and 0.1"

# Run 2 fetches ten movies again and finds one deleted (TMDB answers 404).
deleted=$(sql "SELECT id FROM movies WHERE id NOT IN ($(echo $first10 | tr ' ' ',')) LIMIT 1")
stop_fake
start_fake --movies 30 --deleted 0 --fault "$deleted:404:100"
sleep 1 # the next run starts in a later second than the first finished
run_ingest ids $first10 $deleted --rate 0
run_ingest dump --since 1
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
print(" ".join(sorted(str(json.loads(l)["id"]) for l in sys.stdin)))')" \
    "$(echo $first10 $deleted | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" \
    "a dump since run 1 returns only the 10 refetched movies and the one marked deleted"
run_ingest dump --since 1 --table movie_genres
is "$(printf '%s\n' "$OUT" | grep -c .)" \
    "$(sql "SELECT count(*) FROM movie_genres WHERE movie_id IN ($(echo $first10 $deleted | tr ' ' ','))")" \
    "their genre links come with them"
run_ingest dump --since 2
is "$RC:$OUT" "0:" "nothing since the last run (exit 0: an empty pull, not an error)"

# A database of version 5 (before movie_parts) upgraded in place: the
# upgrade makes movie_parts rows for the movies stored, dated at their
# fetches, before the point a downstream job pulls from. A pull since a
# run (or a time) from before the upgrade never saw them: it gets the whole
# table; one since a run after the upgrade only what changed. (They came
# zero times: `--since 2` sent none.)
v5=$TMP/v5.sqlite3
cp "$DB" "$v5"
sqlite3 "$v5" "UPDATE movies SET appended = 'keywords'; DROP VIEW movie_credits; DROP TABLE movie_parts;
    ALTER TABLE runs DROP COLUMN error; ALTER TABLE runs DROP COLUMN exit_status;
    DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 5"
DB=$v5 run_ingest dump --since 2 --table movie_parts
is "$RC:$(printf '%s\n' "$OUT" | grep -c .)" "0:30" \
    "upgraded from version 5: a dump since a run before the upgrade sends the movie_parts it made"
DB=$v5 run_ingest dump --since "$(sqlite3 "$v5" 'SELECT started_at FROM runs WHERE id = 2')" \
    --table movie_parts
is "$RC:$(printf '%s\n' "$OUT" | grep -c .)" "0:30" "so does a dump since a time before it"
DB=$v5 run_ingest ids $1 --rate 0
DB=$v5 run_ingest dump --since 3 --table movie_parts
is "$RC:$OUT" "0:" "a dump since a run after the upgrade: only what changed since"

run_ingest dump --format csv --table genres
is "$(printf '%s\n' "$OUT" | head -1 | tr -d '\r')" "$(sql "SELECT group_concat(name, ',') FROM pragma_table_info('genres')")" \
    "CSV starts with a header of the columns"
is "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" "$(sql 'SELECT count(*) FROM genres')" "one CSV line per genre"
csv_ok=$(run_ingest dump --format csv; printf '%s' "$OUT" | "$PYTHON" -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
print(len(rows), all(r["id"].isdigit() for r in rows))')
is "$csv_ok" "30 True" "CSV with quotes, commas and newlines in text parses back"

# SQLite stores TEXT unchecked: a title edited by hand with a stray byte, a
# truncated sequence, an overlong '/' and a surrogate, around valid text.
sql "UPDATE movies SET title = CAST(X'41FF42E282ACC3' || X'2043E2822044C0AF45EDA080' AS TEXT)
     WHERE id = $1"
run_ingest dump
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin.buffer.read().decode("utf-8").splitlines()]
print(ascii([r["title"] for r in rows if r["id"] == int(sys.argv[1])]))' "$1")" \
    "['A\\ufffdB\\u20ac\\ufffd C\\ufffd\\ufffd D\\ufffd\\ufffdE\\ufffd\\ufffd\\ufffd']" \
    "invalid UTF-8 becomes U+FFFD, one per byte; the JSON parses"
run_ingest dump --format csv
is "$(printf '%s\n' "$OUT" | "$PYTHON" -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8"), newline="")))
print(ascii([r["title"] for r in rows if r["id"] == sys.argv[1]]))' "$1")" \
    "['A\\ufffdB\\u20ac\\ufffd C\\ufffd\\ufffd D\\ufffd\\ufffdE\\ufffd\\ufffd\\ufffd']" \
    "in CSV too: the file decodes as UTF-8"
# NULL and the empty string: an empty field and "" (set by hand: the store
# keeps "" as NULL)
coll=$(sql "SELECT min(id) FROM collections")
sql "UPDATE collections SET poster_path = '', backdrop_path = NULL WHERE id = $coll"
run_ingest dump --format csv --table collections
like "$(printf '%s\n' "$OUT" | tr -d '\r' | grep "^$coll,")" "^$coll,[^,]*,\"\",," \
    'CSV: an empty string is "", NULL an empty field'

run_ingest dump --since 99
is "$RC" 2 "--since a run that does not exist: exit 2"
run_ingest dump --since yesterday
is "$RC" 2 "--since that is neither a run nor a time: exit 2"
# sscanf's %d took a sign and leading blanks: these were read as times
# (compared as text, '-1' sorts before '00') and dumped, exit 0
run_ingest dump --since 2026-11-25T-1:00:00Z
like "$RC:$ERR" "^2:.*--since wants a run id" "--since with a negative hour: exit 2"
run_ingest dump --since "2026-11-25T 3: 4: 5Z"
like "$RC:$ERR" "^2:.*--since wants a run id" "--since with blanks for digits: exit 2"
# A date alone is its 00:00 UTC: every movie written since one long past,
# none since tomorrow; a day or an hour that does not exist is refused.
run_ingest dump --since 2000-01-01
is "$RC:$(printf '%s\n' "$OUT" | grep -c .)" "0:30" "--since a date long past: every movie"
run_ingest dump --since "$(date -u -d tomorrow +%F)"
is "$RC:$OUT" "0:" "--since tomorrow's date: none"
for bad in 2026-02-30 2026-11-25T24:00:00Z 2026-11-25T23:60:00Z 2026-11-25T23:59:61Z; do
    run_ingest dump --since "$bad"
    like "$RC:$ERR" "^2:.*--since wants a run id, a date \(2026-11-25\) or a UTC time .*not '$bad'" \
        "--since $bad: exit 2"
done
# strtoll() took a sign and leading blanks: '-0' was run 0 (the whole
# database), ' +2' run 2
run_ingest dump --since -0
like "$RC:$ERR" "^2:.*--since wants a run id" "--since -0: exit 2, not the whole database"
run_ingest dump --since " +2"
like "$RC:$ERR" "^2:.*--since wants a run id" "--since with a blank and a sign: exit 2"
run_ingest dump --table nope
is "$RC" 2 "an unknown table: exit 2"
# Standard output a pipe whose reader is gone (`dump | head -1` once head
# has its line): a write error, exit 1 and why, as for a full disk; not a
# death by SIGPIPE (141, nothing said). The pipe's read end is closed
# before the dump starts, so no write can land in its buffer first.
like "$("$PYTHON" -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
print(p.returncode, p.stderr.decode().strip())' "$BIN" --db "$DB" dump --since 0)" \
    "^1 .*error: writing .*: Broken pipe" "dump into a pipe nobody reads: exit 1, 'Broken pipe'"

done_testing
