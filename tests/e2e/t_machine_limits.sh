#!/bin/sh
# When this machine's limits, not the server, stop a load, the message says
# so, and nothing is recorded against a movie that TMDB did not fail:
#  - too few file descriptors (ulimit -n): the soft limit is raised to what
#    the load needs; a hard limit too low is refused before anything opens
#    (exit 1, the limit and the need named), not "Couldn't connect";
#  - a response header line of 1 MiB: recorded as "response header too
#    large", not libcurl's "Out of memory";
#  - a virtual memory limit (ulimit -v): threads reserve 1 MiB stacks, not
#    8 MiB, so 20 workers start under 150 MB, and malloc's arenas are capped
#    under a limit, so 50 start under 400 MB; when they cannot start, the
#    message gives the system's reason and the limits to look at; answers
#    too large for it fail their movies, out of memory, not as an outage.
. "$(dirname "$0")/lib.sh"
plan 27

start_fake --movies 40 --deleted 0
ids=$(catalogue_ids 2 --movies 40 --deleted 0)
first=${ids%% *}
run_ingest ids "$first" --rate 0
is "$RC" 0 "set-up: a first run"

# limited LIMIT_ARGS... -- ARGS...: the binary under `ulimit LIMIT_ARGS`, in
# a shell of its own; sets RC and ERR as run_ingest does.
limited() {
    flag=$1 value=$2
    shift 2
    sh -c 'ulimit "$1" "$2" || exit 99; shift 2; exec "$@"' sh "$flag" "$value" "$BIN" --db "$DB" \
        --no-progress "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
    RC=$?
    ERR=$(cat "$TMP/err")
}

# Hard and soft limit 12: the workers' sockets cannot all open.
limited -n 12 list now_playing --pages all --rate 0
is "$RC" 1 "ulimit -n 12: exit 1"
like "$ERR" "too many open files \(ulimit -n is 12; tmdb-ingest needs about [0-9]+ for 5 workers\)" \
    "the message names the limit and what the load needs"
unlike "$ERR" "connect|Couldn't" "and does not blame the server"
is "$(sql 'SELECT count(*) FROM runs')" 1 "refused before a run is recorded"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "no movie recorded as failed"

# Only the soft limit is low: raised as the load needs, up to the hard one.
limited -Sn 12 list now_playing --pages all --rate 0
is "$RC" 0 "ulimit -Sn 12 (hard limit higher): exit 0"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" ok "the run is ok"
is "$(sql 'SELECT count(*) FROM movies')" 40 "every movie stored"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "none failed"

# A header line beyond libcurl's limit (100 KiB).
rm -f "$DB"*
start_fake --movies 40 --deleted 0 --fault "$first:huge_header" --huge-mib 1
run_ingest ids $ids --rate 0
is "$RC" 3 "a 1 MiB response header: exit 3 (that movie failed)"
is "$(sql "SELECT reason FROM fetch_failures WHERE movie_id = $first")" \
    "transfer failed: response header too large (a line over libcurl's limit)" \
    "recorded as a header too large"
unlike "$ERR$(sql 'SELECT reason FROM fetch_failures')" "[Oo]ut of memory" "not as out of memory"
is "$(sql "SELECT count(*) FROM movies")" 1 "the other movie is stored"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

# ASan and TSan reserve terabytes of address space for their shadow
# memory: no virtual memory limit leaves them room.
if grep -qa -e __asan_init -e __tsan_init "$BIN"; then
    skip 12 "ulimit -v: a sanitizer build reserves terabytes of address space"
    done_testing
fi
rm -f "$DB"*
start_fake --movies 40 --deleted 0
# 150 MB: 22 threads of 8 MiB stacks, and malloc's arenas, did not fit
limited -v 153600 list now_playing --pages all --rate 0 --workers 20
is "$RC" 0 "ulimit -v 150 MB, 20 workers: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 40 "every movie stored"
# 400 MB: malloc's arenas (64 MiB each, up to 8 a core) took the room the
# later threads' stacks needed, unless capped under a limit
rm -f "$DB"*
limited -v 409600 list now_playing --pages all --rate 0 --workers 50
is "$RC" 0 "ulimit -v 400 MB, 50 workers: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 40 "every movie stored"
limited -v 153600 list now_playing --pages all --rate 0 --workers 256
is "$RC" 1 "ulimit -v 150 MB, 256 workers: exit 1"
# The first error is logged, and two are true: the main thread's, whose
# next thread did not fit, or, when a worker that did start runs only once
# the stacks have taken the room (a loaded machine), that worker's, whose
# HTTP handle could not be allocated. Each names the limit.
like "$ERR" "could not (start 258 threads \([0-9]+ started\): Resource temporarily unavailable: .*ulimit -v: 150 MiB.*ulimit -u|create an HTTP handle: out of memory under the virtual memory limit \(ulimit -v: 150 MiB\): raise it or give fewer --workers)" \
    "the message gives the system's reason and the limits"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is recorded failed"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "no movie recorded as failed"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

# Answers too large for this machine's memory (--max-body 1G, 200 MiB
# bodies, ulimit -v 256 MB): TMDB answered, so each movie fails (exit 3),
# said as out of memory; not read as TMDB or the network down (exit 7,
# which a scheduler retries on) once --give-up-after of them come in a row
rm -f "$DB"*
six=$(catalogue_ids 6 --movies 40 --deleted 0)
start_fake --movies 40 --deleted 0 --no-gzip --huge-mib 200 \
    $(for id in $six; do printf ' --fault %s:huge' "$id"; done)
limited -v 262144 ids $six --rate 0 --workers 1 --max-body 1G --give-up-after 3
is "$RC:$(sql 'SELECT status FROM runs')" "3:partial" \
    "bodies too large for ulimit -v: exit 3, partial, not an outage"
is "$(sql "SELECT count(*) FROM fetch_failures WHERE reason LIKE '%out of memory%'")" 6 \
    "each of the 6 movies recorded failed, out of memory"
unlike "$ERR" "TMDB or the network" "not said as TMDB or the network down"

done_testing
