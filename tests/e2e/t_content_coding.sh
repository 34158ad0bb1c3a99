#!/bin/sh
# A body's Content-Encoding, as a proxy may send it: gzip by its old name
# (x-gzip) is read as gzip; a coding not asked for (deflate) or gzip
# applied twice cannot be read, and the failure names the coding rather
# than blaming the body ("contains a NUL byte"), and is retried as a bad
# gzip stream is; a 103 Early Hints naming gzip does not make the plain
# answer after it read as gzip. One worker: the answers after each come on
# the same connection, and are read as their own codings say.
. "$(dirname "$0")/lib.sh"
plan 8

CAT="--movies 30 --deleted 0"
set -- $(catalogue_ids 5 $CAT)
xgzip=$1 deflate=$2 twice=$3 hints=$4 good=$5
start_fake $CAT --fault "$xgzip:x_gzip" --fault "$deflate:deflate" --fault "$twice:gzip_twice" \
    --fault "$hints:hints_gzip"
run_ingest ids "$@" --rate 0 --retries 1 --workers 1
is "$RC" 3 "exit 3: the two movies whose coding cannot be read failed"
is "$(sql "SELECT group_concat(id) FROM (SELECT id FROM movies ORDER BY id)")" \
    "$(printf '%s\n' $xgzip $hints $good | sort -n | paste -sd, -)" \
    "x-gzip, a 103 naming gzip and a plain answer are stored"
reason() { sql "SELECT reason FROM fetch_failures WHERE movie_id = $1"; }
like "$(reason $deflate)" 'Content-Encoding "deflate" not decoded' "deflate: the reason names it"
like "$(reason $twice)" 'Content-Encoding "gzip, gzip" not decoded' "gzip twice: the reason names it"
unlike "$(reason $deflate)$(reason $twice)" "bad payload|NUL" "not blamed on the body"
is "$(sql "SELECT attempts FROM fetch_failures WHERE movie_id = $deflate")" 2 \
    "retried within --retries, as a bad gzip stream is"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 7 "one request each, and one retry each for the two failures"

is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

done_testing
