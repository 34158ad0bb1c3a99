# lib.sh - shared helpers for the end-to-end tests (sourced, POSIX sh).
#
# Each t_*.sh test runs the real binary against scripts/fake_tmdb.py on
# 127.0.0.1 and asserts with SQL against the database file. Output is TAP,
# so `prove` runs the suite and prints the summary line.
#
#   . "$(dirname "$0")/lib.sh"
#   plan 3
#   start_fake --movies 40 --deleted 2
#   run_ingest list now_playing --pages all
#   is "$RC" 0 "exit status"
#   is "$(sql 'SELECT count(*) FROM movies')" 38 "rows stored"

set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${TMDB_INGEST_BIN:-$ROOT/build/tmdb-ingest}
FAKE=$ROOT/scripts/fake_tmdb.py
PYTHON=${PYTHON:-python3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tmdb-e2e.XXXXXX")
DB=$TMP/test.sqlite3
FAKE_PID=
TAP_N=0
TAP_FAILED=0

# Tests use a throwaway token; the fake requires it unless told otherwise.
TEST_TOKEN="e2e-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export TMDB_API_TOKEN="$TEST_TOKEN"
unset TMDB_API_KEY TMDB_API_BASE 2>/dev/null || true
# Loopback only: libcurl (and Python's urllib) send a request for 127.0.0.1
# through a proxy named in the environment too, so a build host's proxy
# would carry the tests' requests elsewhere. t_proxy.sh sets them itself.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
    2>/dev/null || true

cleanup() {
    stop_fake
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# a reader gone (`| head`): cleaned up too (a test's tmpfs unmounted, the fake stopped)
trap 'exit 141' PIPE

TAP_PLANNED=
# plan N: the number of tests; done_testing fails a run of another number
# (prove says so, but the sanitizer suites read the exit status alone).
plan() {
    TAP_PLANNED=$1
    echo "1..$1"
}

# skip N REASON: N tests that cannot run here, reported as skipped.
skip() {
    skip_i=0
    while [ "$skip_i" -lt "$1" ]; do
        skip_i=$((skip_i + 1))
        TAP_N=$((TAP_N + 1))
        echo "ok $TAP_N # SKIP $2"
    done
}

# A failure is also said on stderr, with what was got (as Test::More's
# diagnostics are): prove shows stderr without -v, so a CI log says why a
# test failed, not only which.
ok() { # ok CONDITION_EXIT_STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $TAP_N - $2"
    else
        echo "not ok $TAP_N - $2"
        echo "#   Failed test $TAP_N - $2 ($(basename "$0"))" >&2
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

is() { # is GOT EXPECTED DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else
        ok 1 "$3"
        echo "#   got:      '$1'" >&2
        echo "#   expected: '$2'" >&2
    fi
}

# like TEXT PATTERN DESCRIPTION (grep -E)
like() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
        ok 1 "$3"
        echo "#   '$1'" >&2
        echo "#   does not match /$2/" >&2
    fi
}

unlike() {
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        ok 1 "$3"
        echo "#   '$1'" >&2
        echo "#   matches /$2/" >&2
    else ok 0 "$3"; fi
}

diag() { echo "# $*"; }

bail() {
    echo "Bail out! $*"
    exit 255
}

# start_fake [fake_tmdb.py options]: start the fake on a free loopback port,
# requiring $TEST_TOKEN; sets FAKE_URL (no /3) and exports TMDB_API_BASE.
# Without TMDB's ceiling of 40 requests/s (the fake's default): tests run
# the tool at --rate 0 for speed; t_throttling.sh gives --rate-limit.
start_fake() {
    stop_fake # a second start_fake replaces the first: none is left running
    rm -f "$TMP/port"
    "$PYTHON" "$FAKE" --port 0 --port-file "$TMP/port" --token "$TEST_TOKEN" \
        --max-seconds 300 --rate-limit 0 "$@" >"$TMP/fake.out" 2>"$TMP/fake.err" &
    FAKE_PID=$!
    # Up to 60 s: a fake that dies says so at once (kill -0), and one that
    # builds a large catalogue on a loaded machine (a sanitizer suite, other
    # jobs) took over 10 s to start.
    i=0
    while [ ! -s "$TMP/port" ]; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 "$FAKE_PID" 2>/dev/null; then
            cat "$TMP/fake.err" >&2
            bail "fake TMDB did not start"
        fi
        sleep 0.1
    done
    FAKE_URL="http://127.0.0.1:$(cat "$TMP/port")"
    export TMDB_API_BASE="$FAKE_URL/3"
}

stop_fake() {
    if [ -n "$FAKE_PID" ]; then
        kill "$FAKE_PID" 2>/dev/null
        wait "$FAKE_PID" 2>/dev/null
        FAKE_PID=
    fi
}

# fake_snapshot: save the fake's /__stats; fake_stat reads from the last
# snapshot, so asserting does not itself open connections to the fake.
fake_snapshot() { curl -s "$FAKE_URL/__stats" >"$TMP/stats.json"; }

# fake_stat KEY: one value from the last snapshot (nested keys with dots).
fake_stat() {
    "$PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k, 0) if isinstance(v, dict) else 0
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" <"$TMP/stats.json"
}

# fake_fetched_ids: the ids whose details the last snapshot saw asked for,
# one a line, in numeric order.
fake_fetched_ids() {
    fake_stat detail_requests_per_id | "$PYTHON" -c '
import json, sys
print("\n".join(sorted(json.load(sys.stdin), key=int)))'
}

fake_reset() { curl -s -X POST "$FAKE_URL/__reset" >/dev/null; }

# run_ingest ARGS...: run the binary with --db $DB; sets RC, OUT, ERR.
# Standard input is /dev/null unless INGEST_STDIN names a file.
run_ingest() {
    ${INGEST_TIMEOUT:+timeout "$INGEST_TIMEOUT"} "$BIN" --db "$DB" --no-progress "$@" \
        <"${INGEST_STDIN:-/dev/null}" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    if [ -n "${VERBOSE_E2E:-}" ]; then diag "stderr: $ERR"; fi
}

sql() { sqlite3 -batch -noheader "$DB" "$@"; }

# wait_for WHAT PID COMMAND...: before acting on some state of the tool or
# the fake (a signal once the load has started, a second load once the
# first holds the lock), poll COMMAND every 0.05 s until it succeeds. A
# fixed sleep instead races a slow start (a loaded machine, the sanitizer
# builds): the act then comes too early and the test passes without
# testing what it names. Bails out, naming WHAT, when process PID (if
# not empty) has ended without it, or when it has not come within WAIT_S
# seconds (default 30; PID is killed then).
wait_for() {
    wf_what=$1 wf_pid=$2
    shift 2
    wf_deadline=$(($(date +%s) + ${WAIT_S:-30}))
    until "$@"; do
        if [ -n "$wf_pid" ] && ! kill -0 "$wf_pid" 2>/dev/null; then
            "$@" && return 0 # it came just before the process ended
            wait "$wf_pid"
            bail "waited for $wf_what, but process $wf_pid ended first (exit $?)"
        fi
        if [ "$(date +%s)" -ge "$wf_deadline" ]; then
            [ -z "$wf_pid" ] || kill -KILL "$wf_pid" 2>/dev/null
            bail "waited ${WAIT_S:-30} s for $wf_what: it did not come"
        fi
        sleep 0.05
    done
}

# movies_at_least N [DATABASE]: $DB (or DATABASE) holds at least N movies.
movies_at_least() {
    [ "$(sqlite3 -batch -noheader "${2:-$DB}" 'SELECT count(*) FROM movies' 2>/dev/null ||
        echo 0)" -ge "$1" ]
}

# run_running [DATABASE]: a run row of $DB (or DATABASE) says 'running',
# written by a load under its lock once it has started.
run_running() {
    [ "$(sqlite3 -batch -noheader "${1:-$DB}" \
        "SELECT count(*) FROM runs WHERE status = 'running'" 2>/dev/null || echo 0)" -ge 1 ]
}

# wait_for_movies N [PID]: wait until $DB holds at least N movies, e.g.
# before stopping a load part-way (PID: the load; see wait_for).
wait_for_movies() {
    wait_for "$1 movie(s) stored in $DB" "${2:-}" movies_at_least "$1"
}

# has_open PID PATH: process PID has PATH open (/proc/PID/fd).
has_open() {
    ls -l "/proc/$1/fd/" 2>/dev/null | grep -qF -- "-> $2"
}

# fake_answered ENDPOINT N: the fake has answered at least N requests to
# ENDPOINT (by_endpoint's names) and none is in flight. Takes a snapshot.
fake_answered() {
    fake_snapshot
    [ "$(fake_stat "by_endpoint.$1")" -ge "$2" ] && [ "$(fake_stat in_flight)" = 0 ]
}

# hold_write_lock SECONDS [DATABASE [RELEASE]]: in the background
# (LOCKER_PID), another connection holds a write transaction on $DB (or
# DATABASE) for SECONDS, or until the file RELEASE exists, as a sqlite3
# session inside BEGIN IMMEDIATE would; returns once it holds it.
hold_write_lock() {
    hw_db=${2:-$DB}
    rm -f "$hw_db.held"
    "$PYTHON" -c '
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".held", "w").close()
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end and not (sys.argv[3] and os.path.exists(sys.argv[3])):
    time.sleep(0.05)' "$hw_db" "$1" "${3:-}" &
    LOCKER_PID=$!
    wait_for "a write lock held on $hw_db" "$LOCKER_PID" test -e "$hw_db.held"
}

done_testing() {
    if [ -n "$TAP_PLANNED" ] && [ "$TAP_N" -ne "$TAP_PLANNED" ]; then
        diag "planned $TAP_PLANNED tests but ran $TAP_N"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
    if [ "$TAP_FAILED" -gt 0 ]; then
        diag "stderr of the last run:"
        printf '%s\n' "${ERR:-}" | sed 's/^/#   /' | head -20
        exit 1
    fi
    exit 0
}

# one_utc_day: first thing in a test whose expectations name UTC days (the
# tool's "today": the changes cursor, the newest export). The test runs in
# a child, its TAP kept until it ends; when it failed and midnight UTC came
# while it ran, the tool and the test may each have taken another day for
# today, so it runs once more and that run's outcome counts (the first's
# shown as comments). Midnight comes once a day: the second run stays
# within one.
one_utc_day() {
    [ -z "${E2E_ONE_UTC_DAY:-}" ] || return 0
    for oud_attempt in 1 2; do
        oud_day=$(date -u +%F)
        E2E_ONE_UTC_DAY=1 sh "$0" >"$TMP/run.tap"
        oud_rc=$?
        [ "$oud_rc" -ne 0 ] && [ "$(date -u +%F)" != "$oud_day" ] && [ "$oud_attempt" = 1 ] ||
            break
        echo "# midnight UTC came during the run, which failed; run again. The first run:"
        sed 's/^/#   /' "$TMP/run.tap"
    done
    cat "$TMP/run.tap"
    exit "$oud_rc"
}

# catalogue_ids N [fake catalogue options]: the first N ids the fake serves
# (not deleted ones), space separated. Same catalogue options as start_fake.
catalogue_ids() {
    n=$1
    shift
    "$PYTHON" "$FAKE" --dump-catalogue "$@" | "$PYTHON" -c '
import json, sys
n = int(sys.argv[1])
ids = [json.loads(l)["id"] for l in sys.stdin if l.strip() and not json.loads(l).get("deleted")]
print(" ".join(str(i) for i in ids[:n]))' "$n"
}

# video_id [fake catalogue options]: a live movie's id the fake's export
# lists as a video (an export leaves it out without --include-video),
# neither adult nor deleted.
video_id() {
    "$PYTHON" "$FAKE" --dump-catalogue "$@" | "$PYTHON" -c '
import json, sys
print([m["id"] for m in map(json.loads, sys.stdin)
       if m["video"] and not m["adult"] and not m["deleted"]][0])'
}

# deleted_ids [fake catalogue options]: the ids the fake answers 404 for.
deleted_ids() {
    "$PYTHON" "$FAKE" --dump-catalogue "$@" | "$PYTHON" -c '
import json, sys
print(" ".join(str(json.loads(l)["id"]) for l in sys.stdin if l.strip() and json.loads(l).get("deleted")))'
}

# schema_shape DATABASE: what a database's schema is, as text to compare
# (a new database against an upgraded one): every table's columns and
# foreign keys, and the SQL of every index, trigger and view. Table SQL
# itself is left out: ALTER TABLE ADD COLUMN rewrites it differently.
schema_shape() {
    sqlite3 -batch -noheader "$1" "
SELECT 'column', m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk
  FROM sqlite_schema m, pragma_table_info(m.name) p
 WHERE m.type = 'table' ORDER BY m.name, p.cid;
SELECT 'foreign key', m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_delete
  FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
 WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq;
SELECT type, name, sql FROM sqlite_schema WHERE type IN ('index', 'trigger', 'view')
 ORDER BY type, name;"
}
