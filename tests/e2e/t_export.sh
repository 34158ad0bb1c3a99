#!/bin/sh
# export: the whole catalogue from the daily id export. Downloaded from
# --export-base (no credential sent there) or read with --file; adult and
# video entries excluded unless asked for; --min-popularity; movies that
# left the export are marked deleted, not dropped; --dry-run writes nothing;
# --max-age skips what is fresh; unreadable lines are reported, counted and
# stop the deletion marking; a missing export is a clear error. The ids are
# fetched in ascending order, whatever the file's.
. "$(dirname "$0")/lib.sh"
plan 76

FAKE_OPTS="--movies 300 --deleted 5"
# today, taken before the fake starts: the fake serves it even when midnight
# comes in between (its --today is then the next day)
TODAY=$(date -u +%F)
TODAY_NAME=$(date -u -d "$TODAY" +%m_%d_%Y)
start_fake $FAKE_OPTS
EXPORT_BASE="$FAKE_URL/p/exports"
curl -s -o "$TMP/export.gz" "$EXPORT_BASE/movie_ids_$TODAY_NAME.json.gz"
# adult movies are in their own export (as on TMDB since July 2023)
curl -s -o "$TMP/adult.gz" "$EXPORT_BASE/adult_movie_ids_$TODAY_NAME.json.gz"
# What the export holds, by kind (count CONDITION [FILE]).
count() { gzip -dc "${2:-$TMP/export.gz}" | "$PYTHON" -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(sum(1 for r in rows if $1))"; }
ALL=$(count True)
PLAIN=$(count 'not r["adult"] and not r["video"]')
NOT_VIDEO=$(count 'not r["video"]')
ADULT_NOT_VIDEO=$(count 'r["adult"] and not r["video"]' "$TMP/adult.gz")
POPULAR=$(count 'not r["adult"] and not r["video"] and r["popularity"] >= 10')
diag "export: $ALL entries, $PLAIN neither adult nor video, $POPULAR of those with popularity >= 10; adult export: $ADULT_NOT_VIDEO not video"

fake_reset
# A dry run on no database: counts, requests no detail, creates nothing.
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --dry-run
is "$RC" 0 "dry run exits 0"
like "$OUT" "would fetch $PLAIN movie" "dry run says how many would be fetched"
like "$OUT" "about [0-9]+h[0-9]+m at 35 requests/s" "and how long at the default rate"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "dry run: no detail request"
[ ! -e "$DB" ]; ok $? "dry run: no database created"
env -u TMDB_API_TOKEN "$BIN" --db "$DB" export --file "$TMP/export.gz" --dry-run >"$TMP/out" 2>&1
is "$?" 0 "a dry run of an export needs no credential (only the export is read)"
# set but empty (Environment=TMDB_API_TOKEN= in a unit, a cron line's
# TMDB_API_TOKEN=$(cat a missing file)): no credential either
TMDB_API_TOKEN= TMDB_API_KEY= "$BIN" --db "$DB" export --file "$TMP/export.gz" --dry-run \
    >"$TMP/out" 2>&1
is "$?" 0 "nor with TMDB_API_TOKEN and TMDB_API_KEY set empty"
# The estimate in whole hours and minutes: 2,000 ids at 1/s are 33 minutes,
# 3,599 are 60 minutes: 1h00m.
seq 1 2000 | "$BIN" --db "$TMP/none.sqlite3" --dry-run --rate 1 ids - >"$TMP/out" 2>/dev/null
like "$(cat "$TMP/out")" "about 0h33m at 1 requests/s" "2,000 ids at 1/s: about 0h33m"
seq 1 3599 | "$BIN" --db "$TMP/none.sqlite3" --dry-run --rate 1 ids - >"$TMP/out" 2>/dev/null
like "$(cat "$TMP/out")" "about 1h00m at 1 requests/s" "3,599 ids at 1/s: about 1h00m"
seq 1 10 | "$BIN" --db "$TMP/none.sqlite3" --dry-run ids - >/dev/full 2>"$TMP/err"
is "$?" 1 "a dry run whose result cannot be written: exit 1"

fake_reset
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
is "$RC" 0 "export exits 0"
is "$(sql 'SELECT count(*) FROM movies')" "$PLAIN" "every entry stored, adult and video excluded"
is "$(sql 'SELECT count(*) FROM movies WHERE adult = 1 OR video = 1')" 0 "no adult or video movie"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 1 "the export was downloaded once"
is "$(fake_stat by_endpoint.details)" "$PLAIN" "one detail request per movie"
is "$(fake_stat export_credentials)" 0 "the credential was not sent to the export host"
is "$(sql "SELECT value FROM meta WHERE key = 'changes_from'")" "$TODAY" \
    "changes continue from the day the export ran"

# --max-age: everything was just fetched, so nothing is fetched again.
fake_reset
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 1h
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "--max-age 1h: no movie fetched again"
is "$(sql 'SELECT skipped FROM runs ORDER BY id DESC LIMIT 1')" "$PLAIN" "all counted as skipped"

# --include-adult and --min-popularity.
ok "$([ "$ADULT_NOT_VIDEO" -gt 0 ] && [ "$(count 'r["adult"]')" = 0 ] && echo 0 || echo 1)" \
    "the fake lists adult movies in adult_movie_ids_ only ($ADULT_NOT_VIDEO), as TMDB does"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --max-age 1h --include-adult
is "$(sql 'SELECT count(*) FROM movies')" "$((NOT_VIDEO + ADULT_NOT_VIDEO))" \
    "--include-adult adds the adult export's entries"
is "$(sql 'SELECT count(*) FROM movies WHERE adult = 1')" "$ADULT_NOT_VIDEO" "all of them adult"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --dry-run --min-popularity 10 --max-age 0
like "$OUT" "would fetch $POPULAR movie" "--min-popularity 10 keeps $POPULAR"

# A later export without five of the stored movies, read with --file: the
# day in its name says which stored movies it can speak for. Three were
# fetched before that day (they are gone: marked deleted); two were fetched
# on it, after the export's snapshot (maybe new movies: left alone).
gone=$(sql 'SELECT id FROM movies WHERE adult = 0 ORDER BY id LIMIT 5' | tr '\n' ' ')
set -- $gone
old3="$1 $2 $3 "
sql "UPDATE movies SET fetched_at = '2020-01-01T00:00:00Z' WHERE id IN ($1, $2, $3)"
LATER="$TMP/movie_ids_$TODAY_NAME.json.gz"
gzip -dc "$TMP/export.gz" | "$PYTHON" -c '
import json, sys
gone = {int(i) for i in sys.argv[1].split()}
for line in sys.stdin:
    if line.strip() and json.loads(line)["id"] not in gone:
        sys.stdout.write(line)' "$gone" | gzip >"$LATER"
run_ingest export --file "$LATER" --rate 0 --max-age 1h
is "$RC" 0 "export from --file exits 0"
is "$(sql "SELECT group_concat(id, ' ') || ' ' FROM (SELECT id FROM movies WHERE deleted_at IS NOT NULL ORDER BY id)")" \
    "$old3" "the three gone from the export and fetched before its day are marked deleted"
is "$(sql 'SELECT count(*) FROM movies')" "$((NOT_VIDEO + ADULT_NOT_VIDEO))" "their rows are kept"
cp "$LATER" "$TMP/undated.json.gz"
sql "UPDATE movies SET fetched_at = '2020-01-01T00:00:00Z' WHERE id IN ($4, $5)"
run_ingest -q export --file "$TMP/undated.json.gz" --rate 0 --max-age 1h
like "$ERR" "no date in the file name" "a file without a date in its name: says so (with -q too: its setup)"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL')" 3 \
    "and marks nothing deleted from it"

# Unreadable lines: reported with their line number, counted, and no
# deletion is marked from an export that could not be read whole.
BAD="$TMP/bad/movie_ids_$TODAY_NAME.json.gz"
mkdir -p "$TMP/bad"
{ gzip -dc "$LATER" | head -5; echo '{"id": "x"}'; echo 'not json'; } | gzip >"$BAD"
run_ingest export --file "$BAD" --rate 0 --max-age 1h
is "$RC" 3 "bad lines: exit 3 (partial)"
like "$ERR" "line 6: no positive integer id" "the bad line is named"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL')" 3 \
    "nothing more marked deleted from an export with bad lines"

# A truncated export (a download cut short, a full disk): an error naming
# where it stopped; what was read is loaded; nothing is marked deleted.
CUT="$TMP/cut/movie_ids_$TODAY_NAME.json.gz"
mkdir -p "$TMP/cut"
head -c "$(($(wc -c <"$LATER") / 2))" "$LATER" >"$CUT"
deleted_before=$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL')
run_ingest export --file "$CUT" --rate 0 --max-age 1h
is "$RC" 1 "a truncated export: exit 1"
like "$ERR" "after line [0-9]+: the file is truncated" "says where the file stopped"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL')" "$deleted_before" \
    "nothing more marked deleted from a truncated export"

# --file from a pipe (/dev/stdin) or a FIFO: read whole first, and a stop
# is seen at once, also while no writer has come or one holds it open
# without writing (a blocking read used to wait for the writer).
fake_reset
gzip -dc "$TMP/export.gz" | head -20 | gzip >"$TMP/twenty.gz"
"$BIN" --db "$TMP/pipe.sqlite3" --no-progress export --file /dev/stdin --rate 0 \
    <"$TMP/twenty.gz" >/dev/null 2>&1
cat "$TMP/twenty.gz" | "$BIN" --db "$TMP/pipe.sqlite3" --no-progress export --file /dev/stdin \
    --rate 0 --refresh >/dev/null 2>"$TMP/err"
is "$?:$(sqlite3 "$TMP/pipe.sqlite3" 'SELECT count(*) FROM movies')" \
    "0:$(gzip -dc "$TMP/twenty.gz" | "$PYTHON" -c '
import json, sys
print(sum(1 for l in sys.stdin if not json.loads(l)["adult"] and not json.loads(l)["video"]))')" \
    "export --file /dev/stdin from a pipe: exit 0, its movies stored"
mkfifo "$TMP/fifo"
# Each signal comes once the tool waits on the FIFO (a fixed wait raced a
# slow start, whose signal met the default action: exit 130 or 143 too,
# and nothing to say about the file); the run row it marks interrupted
# shows that the tool's own stop took it. /proc/PID/fd of the tool (not
# dumpable: it holds a credential) is for root only; another user waits
# for its run row, written just before it opens the file.
fifo_waited() { # fifo_waited PID
    if [ -r "/proc/$1/fd" ]; then
        has_open "$1" "$TMP/fifo"
    else
        run_running "$TMP/fifo.sqlite3"
    fi
}
last_status() { sqlite3 "$TMP/fifo.sqlite3" 'SELECT status FROM runs ORDER BY id DESC LIMIT 1'; }
# (a script's background job starts with SIGINT ignored, which the tool
# keeps: env gives it the default back)
env --default-signal=INT "$BIN" --db "$TMP/fifo.sqlite3" --no-progress export \
    --file "$TMP/fifo" --rate 0 >/dev/null 2>"$TMP/err" &
pid=$!
wait_for "the export to open the FIFO" "$pid" fifo_waited "$pid"
kill -INT $pid
t0=$(date +%s)
wait $pid
rc=$?
is "$rc" 130 "a FIFO no writer opened: SIGINT ends the run, exit 130"
[ $(($(date +%s) - t0)) -le 2 ]
ok $? "within 2 s"
is "$(last_status)" interrupted "the run is marked interrupted"
# the writer holds it open without writing (the tool's open lets its open
# return) until killed
( exec 3>"$TMP/fifo"; : >"$TMP/writer-in"; exec sleep 120 ) &
writer=$!
env --default-signal=INT "$BIN" --db "$TMP/fifo.sqlite3" --no-progress export \
    --file "$TMP/fifo" --rate 0 >/dev/null 2>"$TMP/err" &
pid=$!
wait_for "the export and its writer to open the FIFO" "$pid" test -e "$TMP/writer-in"
kill -TERM $pid
wait $pid
is "$?" 143 "a FIFO whose writer says nothing: SIGTERM ends the run, exit 143"
is "$(last_status)" interrupted "the run is marked interrupted"
unlike "$(cat "$TMP/err")" "holds no movie entries" "and says nothing misleading about the file"
kill $writer 2>/dev/null

# An export that does not exist (too old).
run_ingest export --export-base "$EXPORT_BASE" --date 2020-01-01 --rate 0
is "$RC" 1 "a missing export: exit 1"
like "$ERR" "movie_ids_01_01_2020.json.gz: HTTP 403: no such file" "and says which file and why"
# A password in --export-base (a gateway's user:password@host) is shown as
# *** wherever the URL is: the download's line (-v) and the error.
PW_BASE=$(printf '%s' "$EXPORT_BASE" | sed 's|://|://gw:exp-pass-9Z@|')
run_ingest -v export --export-base "$PW_BASE" --date 2020-01-01 --rate 0
like "$ERR" "error: export http://gw:\*\*\*@127\.0\.0\.1:[0-9]*/p/exports/movie_ids_01_01_2020\.json\.gz: HTTP 403" \
    "a password in --export-base: the error shows the user, not the password"
like "$ERR" "downloading http://gw:\*\*\*@" "so does the download's line"
unlike "$ERR" "exp-pass-9Z" "the password is nowhere in what the run says"

# An export that leaves stored movies as they were (--min-popularity,
# --shard) moves the changes cursor no further than the oldest of their
# fetches; adult movies, which exports and changes leave out by default,
# do not hold it.
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
old=$(date -u -d '-20 day' +%F)
sql "UPDATE movies SET fetched_at = '${old}T05:00:00Z', deleted_at = NULL;
     UPDATE meta SET value = '$old' WHERE key = 'changes_from'"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --min-popularity 500
is "$RC:$(cursor)" "0:$old" "--min-popularity: the cursor stays at the unfetched movies' day"
like "$ERR" "were not fetched again by this export" "and says why"
sql "UPDATE movies SET fetched_at = '${old}T05:00:00Z';
     UPDATE meta SET value = '$old' WHERE key = 'changes_from'"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0 --shard 0/2
is "$(cursor)" "$old" "--shard on a database of every id: the cursor stays too"
sql "UPDATE movies SET fetched_at = '${old}T05:00:00Z' WHERE adult = 1;
     UPDATE meta SET value = '$old' WHERE key = 'changes_from'"
run_ingest export --export-base "$EXPORT_BASE" --date "$TODAY" --rate 0
is "$(cursor)" "$TODAY" "a whole export moves it to its day; stale adult movies do not hold it"

# Without --date the newest export is taken (today's from 08:00 UTC, else
# yesterday's); when TMDB is late with it, the day before's is, and the
# cursor says so. The fake's --today is the newest as computed here, just
# before the run; when 08:00 UTC came between that and the tool's own
# choice, the run is done again: 08:00 comes once a day, so the second
# cannot straddle it (waiting for a safer minute instead stalled the test
# up to two minutes around 08:00 and 00:00).
newest() {
    "$PYTHON" -c 'import datetime as d
n = d.datetime.now(d.timezone.utc)
print(n.date() if n.hour >= 8 else n.date() - d.timedelta(days=1))'
}
# export_newest FAKE_OPTION [TOOL_OPTION]: an export of the newest day, with
# the fake started with FAKE_OPTION (--today the newest); sets NEWEST.
export_newest() {
    for attempt in 1 2; do
        NEWEST=$(newest)
        stop_fake
        start_fake $FAKE_OPTS --today "$NEWEST" "$1"
        sql "UPDATE meta SET value = '2000-01-01' WHERE key = 'changes_from'"
        run_ingest export --export-base "$FAKE_URL/p/exports" --rate 0 --max-age 1h ${2:-}
        [ "$(newest)" = "$NEWEST" ] && return
        diag "08:00 UTC came during attempt $attempt: the newest export changed; again"
    done
    bail "the newest export changed during two attempts in a row"
}
export_newest --export-unpublished
is "$RC" 0 "today's export not published yet: exit 0"
like "$ERR" "the export of $NEWEST is not there yet: taking the day before's" \
    "the warning says the day before's was taken"
is "$(cursor)" "$(date -u -d "$NEWEST -1 day" +%F)" "the cursor moves to that export's day, not today's"
# --include-adult, the day's main export there but not its adult one yet:
# the day before's pair is taken.
export_newest --adult-export-unpublished --include-adult
is "$RC" 0 "the adult export not published yet: exit 0"
like "$ERR" "is not all there \(with the adult one\) yet: taking the day before's" \
    "the warning says the day before's pair was taken"
is "$(cursor)" "$(date -u -d "$NEWEST -1 day" +%F)" "the cursor moves to that day"

# The main export's last line without a newline must not run into the
# adult export's first.
stop_fake
start_fake $FAKE_OPTS --export-no-final-newline
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h \
    --include-adult
is "$RC" 0 "no newline at the end of the main export, then the adult one: exit 0"
unlike "$ERR" "not one JSON object|line.*skipped" "and no line is bad"

# With the adult export read, a stored adult movie it no longer names is
# gone too (before, adult movies were never marked, and held the cursor).
stop_fake
start_fake $FAKE_OPTS
sql "UPDATE movies SET id = 99999991, fetched_at = '2020-01-01T00:00:00Z'
     WHERE id = (SELECT min(id) FROM movies WHERE adult = 1)"
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h \
    --include-adult
is "$RC:$(sql 'SELECT deleted_at IS NOT NULL FROM movies WHERE id = 99999991')" "0:1" \
    "--include-adult: an adult movie the adult export no longer names is marked deleted"
is "$(cursor)" "$TODAY" "and it does not hold the cursor"

# A redirect is not followed (the exports are on TMDB's host): exit 1,
# naming where it pointed.
stop_fake
start_fake $FAKE_OPTS --export-redirect https://files.example.test
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h
is "$RC" 1 "an export answered with a redirect: exit 1"
like "$ERR" "HTTP 302: redirected to https://files.example.test/p/exports/movie_ids_[0-9_]+\.json\.gz, which is not followed" \
    "naming where it pointed"
# one that carries --export-base's user:password@ back names it with ***
stop_fake
start_fake $FAKE_OPTS --export-redirect https://exuser:EXs3cret@files.example.test
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h
like "$RC:$ERR" "^1:.*redirected to https://exuser:\*\*\*@files.example.test/" \
    "a redirect holding a password: named with *** for it"
unlike "$ERR$(sql 'SELECT group_concat(error) FROM runs')" "EXs3cret" \
    "the password is in no message and not in runs.error"

# A download cut half-way with no Content-Length looks whole to HTTP: the
# gzip check finds it before any id is fetched, and it is downloaded again.
stop_fake
start_fake $FAKE_OPTS --export-cut 1
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h
is "$RC" 0 "an export cut short without a word: downloaded again, exit 0"
like "$ERR" "export download failed \(the file is truncated \(gzip stream ends early\)\); retrying" \
    "and the warning says why"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 2 "the export was downloaded twice"

# --retries bounds the downloads as it does API requests: with --retries 1,
# an export cut short twice is downloaded twice, then given up (exit 7, as
# an outage).
stop_fake
start_fake $FAKE_OPTS --export-cut 2
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --max-age 1h \
    --retries 1
is "$RC" 7 "an export cut short on each of --retries 1 + 1 downloads: exit 7, as an outage"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 2 "after the second download, not before or after"

# A host that sends the export a byte now and then, never quite stalling:
# cut after --timeout below 4 KiB/s, retried, then exit 7, as an outage (it
# held the run, and the database's lock, forever).
stop_fake
start_fake $FAKE_OPTS --export-drip
live=$(sql "SELECT count(*) FROM movies WHERE deleted_at IS NULL")
start=$(date +%s)
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --timeout 2 \
    --retries 1
elapsed=$(( $(date +%s) - start ))
is "$RC" 7 "an export dripping a byte at a time: exit 7, as an outage"
ok "$([ "$elapsed" -le 20 ] && echo 0 || echo 1)" "after two tries of about --timeout each (${elapsed}s)"
like "$ERR" "export .*(too slow|Operation too slow|timeout|timed out)" "and says the download was too slow"
is "$(sql "SELECT count(*) FROM movies WHERE deleted_at IS NULL")" "$live" "nothing is marked deleted"

# The ids are fetched in ascending order, not the file's (a movie's rows
# then land beside the last one's: docs/benchmarks.md). One worker, so
# that the requests come in the order the ids were queued.
stop_fake
start_fake $FAKE_OPTS --verbose
ids_in() { sed -n 's|.*"GET /3/movie/\([0-9]*\)[?"].*|\1|p' "$1"; }
gzip -dc "$TMP/export.gz" | sed -n 's/.*"id": *\([0-9]*\).*/\1/p' >"$TMP/file-order"
sort -n "$TMP/file-order" | cmp -s - "$TMP/file-order"
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "the fake's export lists its ids out of order (the check below means something)"
DB=$TMP/ordered.sqlite3 run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" \
    --rate 0 --workers 1
is "$RC" 0 "an export with one worker exits 0"
ids_in "$TMP/fake.err" >"$TMP/request-order"
sort -n "$TMP/request-order" | cmp -s - "$TMP/request-order" &&
    [ "$(wc -l <"$TMP/request-order")" -eq "$PLAIN" ]
ok $? "it requested the details of its $PLAIN movies in ascending id order"

done_testing
