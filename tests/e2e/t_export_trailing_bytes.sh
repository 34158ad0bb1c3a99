#!/bin/sh
# An export with bytes after its gzip data that do not start another gzip
# member (NUL padding) is refused as a corrupt one: downloaded, it is
# downloaded again within --retries, then the run fails (exit 7, as an
# outage), nothing marked deleted, the cursor where it was; a --file stops
# the same way, exit 1 (no download to try later).
# zlib's gzread() skips such bytes quietly, as if the file ended there:
# with --include-adult the main export so padded passed the download's
# check, the reader ended cleanly before the adult export written after
# it, and every stored adult movie was marked deleted, exit 0.
. "$(dirname "$0")/lib.sh"
one_utc_day
plan 17

TODAY=$(date -u +%F)
YESTERDAY=$(date -u -d "$TODAY -1 day" +%F)
TODAY_NAME=movie_ids_$(date -u -d "$TODAY" +%m_%d_%Y).json.gz
FAKE_OPTS="--movies 300 --deleted 0"
cursor() { sql "SELECT value FROM meta WHERE key = 'changes_from'"; }
deleted() { sql 'SELECT count(*) FROM movies WHERE deleted_at IS NOT NULL'; }
REFUSED="bytes after the gzip data: not a gzip file as TMDB publishes it"

# A database brought up to date by yesterday's exports, adult one too;
# every movie fetched long ago, so that an export that does not name one
# marks it deleted, and one adult movie that today's adult export no
# longer names (a clean read marks it deleted).
start_fake $FAKE_OPTS
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$YESTERDAY" --rate 0 --include-adult
ADULT=$(sql 'SELECT count(*) FROM movies WHERE adult = 1')
is "$RC:$(cursor):$([ "$ADULT" -gt 1 ] && echo adult)" "0:$YESTERDAY:adult" \
    "yesterday's exports load, with $ADULT adult movies"
sql "UPDATE movies SET fetched_at = '2020-01-01T00:00:00Z';
     UPDATE movies SET id = 99999991 WHERE id = (SELECT min(id) FROM movies WHERE adult = 1)"

# Downloaded: the main export padded with 8 NUL bytes.
start_fake $FAKE_OPTS --export-trailing-bytes 8 --verbose
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --include-adult \
    --retries 1
is "$RC" 7 "a padded main export: exit 7, as a corrupt one downloaded again and again"
like "$ERR" "export download failed \(8 $REFUSED\); retrying" "downloaded again, the warning says why"
like "$ERR" "export $FAKE_URL/p/exports/$TODAY_NAME: 8 $REFUSED" \
    "then an error names the file and the reason"
is "$(deleted):$(cursor)" "0:$YESTERDAY" "nothing marked deleted, the cursor unchanged"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is failed"
gets() { grep -c "\"GET /p/exports/$1" "$TMP/fake.err"; }
is "$(gets movie_ids_):$(gets adult_)" "2:0" \
    "the main export was downloaded twice (--retries 1), the adult one never"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 0 "no movie was requested"

# --file: the padded main export and the adult one, concatenated.
mkdir -p "$TMP/file"
curl -s -o "$TMP/padded.gz" "$FAKE_URL/p/exports/$TODAY_NAME"
curl -s -o "$TMP/adult.gz" "$FAKE_URL/p/exports/adult_$TODAY_NAME"
cat "$TMP/padded.gz" "$TMP/adult.gz" >"$TMP/file/$TODAY_NAME"
run_ingest export --file "$TMP/file/$TODAY_NAME" --rate 0 --include-adult
is "$RC" 1 "--file of a padded main export and the adult one: exit 1 (no download to try later)"
# (the bytes counted are the padding and the adult export after it)
ADULT_BYTES=$(wc -c <"$TMP/adult.gz")
like "$ERR" "$TMP/file/$TODAY_NAME, after line [0-9]+: $((8 + ADULT_BYTES)) $REFUSED" \
    "the error names the file and why"
is "$(deleted):$(cursor)" "0:$YESTERDAY" "nothing marked deleted, the cursor unchanged"

# The same files without the padding read whole: the adult movie gone
# from the adult export is marked deleted, and only it.
head -c -8 "$TMP/padded.gz" >"$TMP/main.gz"
gzip -t "$TMP/main.gz"
ok $? "the main export without its 8 bytes is gzip to its end"
cat "$TMP/main.gz" "$TMP/adult.gz" >"$TMP/file/$TODAY_NAME"
run_ingest export --file "$TMP/file/$TODAY_NAME" --rate 0 --include-adult --max-age 1h
is "$RC:$(deleted)" "0:1" "--file of both unpadded: exit 0, one movie marked deleted"
is "$(sql 'SELECT deleted_at IS NOT NULL FROM movies WHERE id = 99999991')" 1 \
    "the adult movie the adult export no longer names"
sql "UPDATE movies SET deleted_at = NULL, fetched_at = '2020-01-01T00:00:00Z';
     UPDATE meta SET value = '$YESTERDAY' WHERE key = 'changes_from'"
start_fake $FAKE_OPTS
run_ingest export --export-base "$FAKE_URL/p/exports" --date "$TODAY" --rate 0 --include-adult
is "$RC:$(cursor)" "0:$TODAY" "downloaded unpadded: exit 0, the cursor at today"
is "$(deleted)" 1 "one movie marked deleted"
is "$(sql 'SELECT deleted_at IS NOT NULL FROM movies WHERE id = 99999991')" 1 \
    "the adult movie the adult export no longer names"

done_testing
