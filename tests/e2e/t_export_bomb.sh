#!/bin/sh
# A gzip bomb for an export (MiBs that inflate to GiBs of empty lines, or
# of one endless line, as a hostile or broken export host could serve):
# refused once it inflates past 100 times its size (at least 64 MiB),
# downloaded or --file, also for a dry run, the way a corrupt export is:
# exit 1, the run failed, nothing marked deleted, the cursor where it was
# (it was read for hours, and a bomb of a movie export's lines and blank
# ones marked deletions). A real export of a million lines still loads.
# And SIGTERM stops the run within 2 s while a bomb is checked or read,
# before the bound is reached, as everywhere else (it waited for the
# whole file to be inflated: a minute here, hours for a 1 GiB download).
. "$(dirname "$0")/lib.sh"
plan 24

TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d "$TODAY -1 day" +%F)
TODAY_NAME=movie_ids_$(date -u +%m_%d_%Y).json.gz
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }

# timed_ingest ARGS...: as run_ingest, killed after 300 s (a bomb was
# read to its end for minutes; one refused at the bound took 83 s on a
# loaded machine); sets ELAPSED, and CPU: the seconds of CPU the run took
# (user and system, from `times` before and after it, in this shell: a
# subshell has no children of its own).
timed_ingest() {
    start=$(date +%s)
    times >"$TMP/times.before"
    timeout 300 "$BIN" --db "$DB" --no-progress "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
    RC=$?
    times >"$TMP/times.after"
    ELAPSED=$(( $(date +%s) - start ))
    CPU=$(awk 'FNR == 2 { split($1, u, "m"); split($2, s, "m"); t = u[1] * 60 + u[2] + s[1] * 60 + s[2]
                          if (NR == FNR) before = t; else after = t }
               END { printf "%.1f\n", after - before }' "$TMP/times.before" "$TMP/times.after")
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
}

# A database brought up to date by yesterday's export, with one stored
# movie that today's export no longer names: a clean read of today's
# would mark it deleted and move the cursor to today.
start_fake --movies 30 --deleted 0
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$YESTERDAY" --rate 0
is "$RC:$(cursor)" "0:$YESTERDAY" "yesterday's export loads; the cursor is at its day"
sql "UPDATE movies SET id = 99999991, fetched_at = '2020-01-01T00:00:00Z'
     WHERE id = (SELECT min(id) FROM movies)"

# assert_refused WHAT: the last run stopped as a corrupt export does, at
# the bound: within 30 s of CPU (90 under a sanitizer, E2E_SLOW). Inflating
# the downloaded bomb to the bound takes 6 s of CPU, to its end over 115 s.
# CPU, not wall-clock time: on a loaded machine (4 runs at once beside 6
# busy loops) those 6 s of CPU took 49 to 83 s.
assert_refused() {
    is "$RC" 1 "$1: exit 1"
    awk -v cpu="$CPU" -v most=$((30 * ${E2E_SLOW:-1})) 'BEGIN { exit !(cpu <= most) }'
    ok $? "$1: ends at the bound (${CPU}s of CPU in ${ELAPSED}s)"
    is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL'):$(cursor)" \
        "0:$YESTERDAY" "$1: nothing marked deleted, the cursor unchanged"
}

# Downloaded: 33 MiB that inflate to 32 GiB of empty lines after the
# movies' lines; refused by the download's check, not downloaded again.
start_fake --movies 30 --deleted 0 --export-blank-mib 32768
timed_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0
assert_refused "a downloaded bomb"
like "$ERR" "export $FAKE_URL/p/exports/$TODAY_NAME: it inflates to more than 32[0-9]{2}\.[0-9] MiB \(100 times its 32\.[0-9] MiB, at least 64\.0 MiB\): not an export" \
    "the message names the file and the bound"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is failed"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 1 "it is not downloaded again"

# --file: 1 MiB that inflate to 1 GiB of empty lines after the movies'
# lines; none of those movies is fetched (an export's ids are fetched once
# the whole file is read).
"$PYTHON" "$FAKE" --movies 30 --deleted 0 --export-blank-mib 1024 --write-export "$TMP/$TODAY_NAME"
fake_reset
timed_ingest export --file "$TMP/$TODAY_NAME" --rate 0
assert_refused "a --file bomb"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "no movie of it is fetched"
like "$ERR" "$TMP/$TODAY_NAME, after line [0-9]+: it inflates to more than 10[0-9]\.[0-9] MiB \(100 times its 1\.[0-9] MiB" \
    "the message names the file and the bound"

# --dry-run, of one endless line (2 GiB of 'x' after a movie's line).
mkdir -p "$TMP/line"
"$PYTHON" -c '
import gzip, sys
head = gzip.compress(b"{\"id\":550}\n{\"id\":603,\"original_title\":\"", mtime=0)
x = gzip.compress(b"x" * (1 << 20), compresslevel=9, mtime=0)
open(sys.argv[1], "wb").write(head + x * 2048)' "$TMP/line/$TODAY_NAME"
timed_ingest export --file "$TMP/line/$TODAY_NAME" --dry-run
assert_refused "a dry run of one endless line"
like "$ERR" "line/$TODAY_NAME, after line 1: it inflates to more than 20[0-9]\.[0-9] MiB" \
    "the message names the file and the bound"

rm -f "$DB"*
# A real export's size: a million lines (the fake's synthetic export,
# 13 MiB inflating 7 times to 94 MiB, past the 64 MiB floor) is read whole.
"$PYTHON" "$FAKE" --write-export "$TMP/synthetic.gz" --export-ids 1000000 >/dev/null
want=$(gzip -dc "$TMP/synthetic.gz" | grep -c '"adult":false.*"video":false')
timed_ingest export --file "$TMP/synthetic.gz" --dry-run
is "$RC" 0 "a million-line export: exit 0"
like "$OUT" "would fetch $want movie\(s\)" "and every id of it is counted ($want)"

# SIGTERM while a bomb is checked or read, well before its bound (6.4 GiB
# for the 65 MiB download, 820 MiB for the 8 MiB file).
start_fake --movies 20 --deleted 0 --export-blank-mib 65536
"$PYTHON" "$FAKE" --movies 20 --deleted 0 --export-blank-mib 8192 --write-export "$TMP/bomb.gz"

# terminate WHEN ARGS...: run an export; SIGTERM it half a second after
# the download ends (WHEN=downloaded: the whole file is being checked) or
# after its run is recorded (WHEN=reading: the file is read, a few seconds
# of empty lines before its bound)
terminate() {
    when=$1
    shift
    "$BIN" --db "$DB" --no-progress --rate 0 -v export "$@" </dev/null >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    if [ "$when" = downloaded ]; then
        wait_for "the export downloaded" "$pid" grep -q "downloaded:" "$TMP/err"
    else
        wait_for "the run recorded" "$pid" run_running
    fi
    sleep 0.5 # well inside the long check or read, not at its start
    start=$(date +%s)
    kill -TERM "$pid"
    wait "$pid"
    RC=$?
    ELAPSED=$(( $(date +%s) - start ))
    ERR=$(cat "$TMP/err")
}

terminate downloaded --export-base "$FAKE_URL/p/exports" --date "$TODAY"
is "$RC" 143 "SIGTERM while the downloaded export is checked: exit 143"
[ "$ELAPSED" -le 2 ]
ok $? "and within 2 s (${ELAPSED}s)"
is "$(sql 'SELECT status FROM runs')" interrupted "the run is marked interrupted"

rm -f "$DB"*
terminate reading --file "$TMP/bomb.gz"
is "$RC" 143 "SIGTERM while an export file is read: exit 143"
[ "$ELAPSED" -le 2 ]
ok $? "and within 2 s (${ELAPSED}s)"
unlike "$ERR" "error" "no error is reported for a stop"

done_testing
