#!/bin/sh
# The command line: --help, --version, and usage errors exit 2 with a clear
# message before anything is opened or requested.
. "$(dirname "$0")/lib.sh"
plan 28

"$BIN" --help >"$TMP/help" 2>&1
is "$?" 0 "--help exits 0"
like "$(cat "$TMP/help")" "list NAME" "--help shows the list command"
for opt in --db --api-base --language --pages --workers --queue-size --rate --retries --timeout \
    --max-body --cacert --token-file --batch --db-cache; do
    grep -q -- "$opt" "$TMP/help" || echo "missing $opt"
done >"$TMP/missing"
is "$(cat "$TMP/missing")" "" "--help documents every option"

"$BIN" --version >"$TMP/v" 2>&1
is "$?" 0 "--version exits 0"
like "$(cat "$TMP/v")" "^tmdb-ingest [0-9]+\.[0-9]+" "--version prints the version"

# Like GNU tools: a --help or --version that did not reach stdout is an
# error (--help is longer than stdio's buffer: its printf itself fails).
"$BIN" --help >/dev/full 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^1:tmdb-ingest: error: writing --help: No space left on device" \
    "--help to a full disk: exit 1, and says why"
"$BIN" --version >/dev/full 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^1:tmdb-ingest: error: writing --version: No space left on device" \
    "--version to a full disk: exit 1, and says why"
"$BIN" dump --help >&- 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^1:.*writing --help: standard output is closed" \
    "a command's --help with stdout closed: exit 1, and says why"
"$BIN" --version >&- 2>"$TMP/err"
like "$?:$(cat "$TMP/err")" "^1:.*writing --version: standard output is closed" \
    "--version with stdout closed: exit 1, and says why"

usage_fails() { # usage_fails PATTERN DESCRIPTION ARGS...
    pattern=$1 desc=$2
    shift 2
    run_ingest "$@"
    if [ "$RC" = 2 ] && printf '%s' "$ERR" | grep -Eq -- "$pattern"; then ok 0 "$desc"; else
        ok 1 "$desc"
        diag "rc=$RC stderr: $ERR"
    fi
}
usage_fails "no command" "no command: exit 2"
usage_fails "unknown list 'trending'" "unknown list name: exit 2" list trending
usage_fails "not a movie id" "non-numeric id: exit 2" ids 12 abc
usage_fails "not a movie id" "zero id: exit 2" ids 0
usage_fails "--workers" "workers out of range: exit 2" --workers 0 ids 1
usage_fails "--pages" "bad --pages: exit 2" list popular --pages many
usage_fails "--pages applies to the list" "--pages with ids: exit 2" ids 1 --pages 2
usage_fails "unknown option" "unknown option: exit 2" --frobnicate ids 1
usage_fails "language tag" "bad language: exit 2" --language 'ko KR' ids 1
usage_fails "--api-base" "bad api base: exit 2" --api-base ftp://example ids 1
# One who gave no --api-base is told of the variable the bad base came from.
TMDB_API_BASE=ftp://example
export TMDB_API_BASE
usage_fails "^tmdb-ingest: TMDB_API_BASE .*not 'ftp://example'" \
    "bad TMDB_API_BASE: exit 2, naming the variable" ids 1
unset TMDB_API_BASE
usage_fails "wants a value" "option without value: exit 2" ids 1 --db
# A usage error quotes what was typed with its control bytes as \xNN, as
# any message does: a crontab or script saved with CRLF line ends gives
# its last argument a carriage return, which written as it is sends the
# cursor back and hides the name quoted ("unknown list 'popular" then
# overwritten), and an escape sequence would drive the terminal.
run_ingest list "$(printf 'popular\r')"
like "$RC:$ERR" "^2:tmdb-ingest: unknown list 'popular\\\\x0d' \(now_playing" \
    "a usage error writes a carriage return it quotes as \\x0d"
run_ingest --workers "$(printf '3\033[2J\nforged')" ids 1
is "$RC:$(printf '%s\n' "$ERR" | grep -c '')" "2:2" \
    "a usage error is one line (and the hint), whatever it quotes"

[ ! -e "$DB" ]
ok $? "usage errors created no database"

# Options after the command, GNU style, are accepted.
start_fake --movies 20 --deleted 0
id=$(catalogue_ids 1 --movies 20 --deleted 0)
run_ingest ids "$id" --workers 2 --rate 0
is "$RC" 0 "options after the command are accepted"

# TMDB allows about 20 connections per IP; a run opens one per worker, and
# one more for list pages. A proxy on a closed loopback port takes every
# request: the real TMDB is never contacted.
# The proxy refuses the /configuration request ids makes first: exit 1
# before any movie, after the warning (--retries 0: at once).
https_proxy=http://127.0.0.1:9 run_ingest --api-base https://api.themoviedb.org/3 --workers 21 \
    --retries 0 ids 5
like "$ERR" "warning: --workers 21 opens 21 connections to TMDB, which allows about 20" \
    "--workers 21 against TMDB: a warning"
https_proxy=http://127.0.0.1:9 run_ingest --api-base https://api.themoviedb.org/3 --workers 20 \
    --retries 0 ids 5
unlike "$ERR" "connections to TMDB" "--workers 20 for ids (no list pages): none"
https_proxy=http://127.0.0.1:9 run_ingest --api-base https://api.themoviedb.org/3 --workers 20 \
    --retries 0 list now_playing
like "$ERR" "warning: --workers 20 opens 21 connections to TMDB, which allows about 20 per IP address: expect 429s; 19 workers stay within it" \
    "--workers 20 for a list (its pages take one more): a warning, 19 named"

done_testing
