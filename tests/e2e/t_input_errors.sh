#!/bin/sh
# Input the tool cannot use is refused with what is wrong and the exit
# status the README gives: `ids -` tokens too large for a movie id, standard
# input that cannot be read, an export --file that is a directory or holds
# no entry, a $TMPDIR that does not exist for the export's copy, a token
# file that is a directory. No run is called ok, and no stored movie is
# marked deleted by an export that could not be read.
. "$(dirname "$0")/lib.sh"
plan 28

start_fake --movies 30 --deleted 0
set -- $(catalogue_ids 2 --movies 30 --deleted 0)

# Tokens that are digits but no movie id: one more than INT64_MAX, 20
# digits, and one longer than the 32 bytes a token is kept to, which is
# quoted with "..." after them (it was quoted as its first 32 digits, a
# number no one typed). The id among them is still fetched.
long=123456789012345678901234567890123456789
printf '9223372036854775808\n%s\n12345678901234567890\n%s\n' "$1" "$long" >"$TMP/big"
INGEST_STDIN=$TMP/big run_ingest ids - --rate 0
is "$RC" 3 "ids - with ids too large: exit 3 (finished, some input failed)"
like "$ERR" "line 1: \"9223372036854775808\" is not a movie id" "one past INT64_MAX is not an id"
like "$ERR" "line 3: \"12345678901234567890\" is not a movie id" "nor are 20 digits"
like "$ERR" "line 4: \"$(echo "$long" | cut -c1-32)\.\.\.\" is not a movie id" \
    "a token longer than 32 bytes is quoted as cut, with ..."
is "$(sql 'SELECT status, requested, failed FROM runs') $(sql 'SELECT count(*) FROM movies')" \
    "partial|1|3 1" "the run is partial, the 3 tokens failed, the one id stored"

# Standard input empty, or blanks alone (`cut -f1 ids.txt | tmdb-ingest
# ids -` with no ids.txt): an ok run of nothing, said, not silent.
printf ' \n\n' >"$TMP/blank"
for input in /dev/null "$TMP/blank"; do
    INGEST_STDIN=$input run_ingest -q ids - --rate 0
    like "$RC:$ERR" "^0:.*warning: standard input held no movie id: nothing to fetch" \
        "ids - reading no id ($input): exit 0, said (also with -q: its cron mail)"
done
# and not said of an input that held ids: a nightly `ids -` ending ok
# stays silent under -q
printf '%s\n' "$1" >"$TMP/one"
INGEST_STDIN=$TMP/one run_ingest -q ids - --rate 0
is "$RC:$ERR" "0:" "ids - reading an id, -q: exit 0, nothing said"

# Standard input a directory: read() fails (EISDIR). An error, exit 1,
# the run failed; not an empty run called ok.
# (run_ingest gives /dev/null or a file: redirected here by hand)
"$BIN" --db "$DB" --no-progress ids - </ >"$TMP/out" 2>"$TMP/err"
RC=$? ERR=$(cat "$TMP/err")
is "$RC" 1 "ids - reading a directory: exit 1"
like "$ERR" "error: reading standard input: Is a directory" "says why"
is "$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" failed "the run is failed"

# An export whose copy has nowhere to go: $TMPDIR does not exist. Said
# with the directory, exit 1, before the export is downloaded.
# Yesterday's export throughout: the fake took its day when it started, and
# today's by this clock is one it has not published if midnight UTC came
# since (the dry run below failed with HTTP 403).
DAY=$(date -u -d '-1 day' +%F)
fake_reset
TMPDIR=$TMP/none run_ingest export --export-base "$FAKE_URL/p/exports" --date "$DAY" --rate 0
is "$RC" 1 "\$TMPDIR missing: exit 1"
like "$ERR" "could not create a temporary file for the export in $TMP/none: No such file or directory" \
    "the error names the directory and why"
fake_snapshot
is "$(fake_stat by_endpoint.export):$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" \
    "0:failed" "nothing downloaded, the run failed"
# The same for an export --file read from a pipe, which is copied there.
TMPDIR=$TMP/none INGEST_STDIN=/dev/null run_ingest export --file /dev/stdin --rate 0
like "$RC:$(echo $ERR)" "^1:.*could not create a temporary file for the export in $TMP/none" \
    "\$TMPDIR missing, --file a pipe: exit 1, the same error"

# --export-base written with a trailing slash (or two) is the same base:
# the file's URL has one slash before its name.
run_ingest -v --dry-run export --export-base "$FAKE_URL/p/exports//" --date "$DAY"
like "$RC:$(echo $ERR)" "^0:.*downloading $FAKE_URL/p/exports/movie_ids_[0-9_]+\.json\.gz" \
    "--export-base with trailing slashes: the export is downloaded, exit 0"

# --file a directory: open() takes it, its read says what it is; a file
# that is not there is named, as open() says.
run_ingest export --file "$TMP" --rate 0
like "$RC:$(echo $ERR)" "^1:.*error: $TMP: Is a directory" "--file a directory: exit 1, says so"
run_ingest export --file "$TMP/movie_ids_01_02_2026.json.gz" --rate 0
like "$RC:$(echo $ERR)" "^1:.*error: $TMP/movie_ids_01_02_2026.json.gz: No such file or directory" \
    "--file not there: exit 1, says so"
# a mistyped path is said first and alone: no warning of its name (no
# date in it), no request to TMDB, no run recorded
runs=$(sql "SELECT count(*) FROM runs")
run_ingest export --file "$TMP/ids.json.gz" --rate 0
is "$RC:$ERR:$(sql "SELECT count(*) FROM runs")" \
    "1:tmdb-ingest: error: $TMP/ids.json.gz: No such file or directory:$runs" \
    "--file not there, without a date in its name: exit 1, that line alone, no run"

# An export holding no entry (an empty gzip, a file truncated to its
# header): refused, exit 1; it would make every stored movie look deleted,
# and none is marked.
NAME="movie_ids_$(date -u -d "$DAY" +%m_%d_%Y).json.gz"
mkdir -p "$TMP/empty"
printf '' | gzip >"$TMP/empty/$NAME"
run_ingest export --file "$TMP/empty/$NAME" --rate 0
is "$RC" 1 "an export with no entry: exit 1"
like "$ERR" "error: $TMP/empty/$NAME holds no movie entries" "says so"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NULL'):$(sql 'SELECT status FROM runs ORDER BY id DESC LIMIT 1')" \
    "1:failed" "the stored movie is not marked deleted; the run failed"
is "$(sql "SELECT count(*) FROM meta WHERE key = 'changes_from'")" 0 "and no changes cursor was set"

# changes --since further back than TMDB keeps changes (90 days) but
# within what changes reads: a warning, and the dry run goes on.
since=$(date -u -d '-100 day' +%F)
run_ingest --dry-run changes --since "$since" --rate 0
is "$RC" 0 "changes --since 100 days ago: the dry run goes on, exit 0"
like "$ERR" "warning: --since $since is more than 90 days ago; TMDB may not answer that far back" \
    "with a warning that TMDB may not answer"

# A token file that is a directory: exit 2 (configuration), the reason
# said; no database is made.
(
    unset TMDB_API_TOKEN
    DB=$TMP/token.sqlite3 run_ingest ids "$1" --token-file "$TMP"
    printf '%s\n%s' "$RC" "$ERR" >"$TMP/token.out"
)
is "$(head -1 "$TMP/token.out")" 2 "--token-file a directory: exit 2"
like "$(cat "$TMP/token.out")" "cannot read token file $TMP: Is a directory" "says why"
ok "$([ ! -e "$TMP/token.sqlite3" ]; echo $?)" "and makes no database"
done_testing
