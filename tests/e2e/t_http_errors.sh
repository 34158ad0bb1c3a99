#!/bin/sh
# How a body that goes wrong on its way is told, retried and recorded:
#  - a gzip body cut short, its Content-Length made to match (a proxy that
#    ends it early): "truncated gzip body", retried as a network error,
#    stored when the retry comes whole;
#  - a gzip body with spoilt bytes: "bad gzip encoding", retried the same;
#  - a body over --max-body with no Content-Length to refuse it by
#    (chunked, not compressed): cut while it comes, "too large", not
#    retried;
#  - a Content-Length 16 bytes short of the body (a proxy that miscounts),
#    the rest sent a moment later on the connection kept open: the request
#    after it on that connection reads those bytes first ("Received
#    HTTP/0.9 when not allowed"), not an answer to it: retried on a new
#    connection, and stored (that attempt counts against --retries);
#  - the export's download that cannot be written (its temporary file past
#    `ulimit -f`): exit 1 naming the write's error, not downloaded again;
#  - an export whose Content-Length is past the 1 GiB bound: refused at the
#    headers, exit 1, not downloaded again.
# One worker: the answers after each come on the same handle, whose zlib
# stream must start afresh.
. "$(dirname "$0")/lib.sh"
plan 22

CAT="--movies 30 --deleted 0"
set -- $(catalogue_ids 5 $CAT)
cut=$1 corrupt=$2 big=$3 cut_once=$4 good=$5
start_fake $CAT --fault "$cut:gzip_cut" --fault "$corrupt:gzip_corrupt" \
    --fault "$big:huge_chunked" --fault "$cut_once:gzip_cut:1" --huge-mib 3
run_ingest ids "$@" --rate 0 --retries 1 --workers 1 --max-body 2M
is "$RC" 3 "exit 3: the three movies whose bodies never came whole failed"
is "$(sql "SELECT group_concat(id) FROM (SELECT id FROM movies ORDER BY id)")" \
    "$(printf '%s\n' $cut_once $good | sort -n | paste -sd, -)" \
    "the movie cut once is stored from its retry, and the good one"
failure() { sql "SELECT attempts || ' ' || reason FROM fetch_failures WHERE movie_id = $1"; }
is "$(failure $cut)" "2 network error: truncated gzip body" \
    "gzip cut short: named, retried within --retries"
is "$(failure $corrupt)" "2 network error: bad gzip encoding" \
    "gzip with spoilt bytes: named, retried within --retries"
is "$(failure $big)" "1 body too large: over --max-body (2097152 bytes)" \
    "a chunked body over --max-body: too large, not retried"
is "$(sql "SELECT count(*) FROM movies WHERE id IN ($cut, $corrupt, $big)")" 0 \
    "no row for a body that did not come whole"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 8 "one retry each for the cut, spoilt and cut-once movies, none for the large one"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

# A Content-Length short of the body, once. Gzipped, the cut body is a
# truncated gzip stream, retried; the retry goes on the same connection
# and reads the bytes left behind, and the one after comes whole.
rm -f "$DB"*
start_fake $CAT --fault "$cut:cl_short:1"
run_ingest ids "$cut" "$good" --rate 0 --retries 2 --workers 1
is "$RC" 0 "a Content-Length short of the body once: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 2 "the movie is stored from its retry, and the one after"
is "$(sql 'SELECT count(*) FROM fetch_failures')" 0 "nothing recorded failed"
# Not gzipped, the cut JSON is a bad payload (not asked again); the next
# movie, on the same connection, reads the bytes left behind first.
rm -f "$DB"*
start_fake $CAT --no-gzip --fault "$cut:cl_short:1"
run_ingest ids "$cut" "$good" --rate 0 --retries 2 --workers 1
is "$(sql 'SELECT group_concat(id) FROM movies')" "$good" \
    "the movie after the miscounted body, on the same connection, is stored"
like "$(failure "$cut")" "^1 bad payload" "the miscounted body itself: a bad payload"

# The export's temporary file (in $TMPDIR) past the file size limit, with
# SIGXFSZ ignored as the tool does: writes fail with EFBIG. 3 MB of NUL
# padding after its gzip data make it larger than the 1 MiB allowed;
# the database stays well under it.
TODAY=$(date -u +%F)
rm -f "$DB"*
start_fake $CAT --export-trailing-bytes 3000000
TMPDIR=$TMP sh -c 'ulimit -f 2048 || exit 99; exec "$@"' sh "$BIN" --db "$DB" --no-progress \
    export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --retries 2 \
    </dev/null >"$TMP/out" 2>"$TMP/err"
RC=$?
ERR=$(cat "$TMP/err")
is "$RC" 1 "an export download that cannot be written: exit 1"
like "$ERR" "error: export $FAKE_URL/p/exports/movie_ids_[0-9_]+\.json\.gz: writing the download to a temporary file in $TMP \(\\\$TMPDIR\): File too large" \
    "the error names the export and the write's failure"
unlike "$ERR" "retrying" "a local write failure is not downloaded again"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 1 "one download only"
is "$(sql 'SELECT status FROM runs')" failed "the run is recorded failed"
is "$(sql 'SELECT count(*) FROM movies')" 0 "no movie fetched"

rm -f "$DB"*
start_fake $CAT --export-claim-gib 2
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --retries 2
is "$RC" 1 "an export that says it is 2 GiB: exit 1"
like "$ERR" "error: export $FAKE_URL/p/exports/movie_ids_[0-9_]+\.json\.gz: larger than 1024 MiB" \
    "the error names the export and the bound"
fake_snapshot
is "$(fake_stat by_endpoint.export)" 1 "refused once, not downloaded again"

done_testing
