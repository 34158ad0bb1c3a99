#!/bin/sh
# valgrind memcheck over each command: no leak, no invalid access, no
# uninitialised read (which the ASan suite does not see). A list load (list
# pages, workers, writer, 404s, a failed payload and retries); the daily
# export, downloaded and inflated, its dry run too; changes; ids from
# standard input with appended parts; merge; and the read commands: stats
# (text and JSON), dump (JSON lines and CSV), search; backup; optimize; restore.
# Run by `make valgrind` (part of `make test`).
. "$(dirname "$0")/../e2e/lib.sh"
plan 37

command -v valgrind >/dev/null || bail "valgrind is not installed (make deps)"

# vg WHAT EXIT ARGS...: run the binary with ARGS under memcheck (standard
# input from $VG_STDIN, else /dev/null); assert its exit status and that
# valgrind reported nothing. Sets OUT and ERR.
VG_N=0
vg() {
    what=$1 want=$2
    shift 2
    VG_N=$((VG_N + 1))
    log=$TMP/valgrind.$VG_N.log
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
        --log-file="$log" "$BIN" --no-progress "$@" \
        <"${VG_STDIN:-/dev/null}" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    OUT=$(cat "$TMP/out")
    ERR=$(cat "$TMP/err")
    is "$rc" "$want" "$what: exit $want under valgrind"
    [ "$rc" = "$want" ] || diag "stderr: $ERR"
    is "$(cat "$log")" "" "$what: valgrind reports nothing (no leaks, no errors)"
    [ -s "$log" ] && head -60 "$log" | sed 's/^/# /'
}

CAT="--movies 80 --deleted 4"
set -- $(catalogue_ids 3 $CAT)
start_fake $CAT --fault "$1:genres_int" --fault "$2:503:1"
vg "list now_playing" 3 --db "$DB" list now_playing --pages all --rate 0 --workers 5
is "$(sql 'SELECT count(*) FROM movies')" 75 "75 movies stored"

# The export's gzip stream and its movies; a day in the past, so the
# newest-file rule and the hour do not matter.
DAY=$(date -u -d '-1 day' +%F)
EXPORTS="$FAKE_URL/p/exports"
vg "export --dry-run" 0 --db "$DB" export --export-base "$EXPORTS" --date "$DAY" --dry-run
vg "export" 0 --db "$DB" export --export-base "$EXPORTS" --date "$DAY" --rate 0 \
    --append credits,keywords
like "$ERR" "stored=[1-9]" "the export stores its movies again, with their parts"
vg "changes" 0 --db "$DB" changes --since "$(date -u -d '-3 day' +%F)" --rate 0

# ids from standard input into a second database, with parts the first
# lacks; then merged into the first.
catalogue_ids 12 $CAT | tr ' ' '\n' | tail -n 10 >"$TMP/ids" # not the faulty two
VG_STDIN=$TMP/ids vg "ids -" 0 --db "$TMP/other.sqlite3" ids - --rate 0 \
    --append credits,keywords,release_dates,external_ids,translations,videos
vg "merge" 0 --db "$TMP/merged.sqlite3" merge "$TMP/merged.sqlite3" "$DB" "$TMP/other.sqlite3"
is "$(sqlite3 "$TMP/merged.sqlite3" 'SELECT count(*) FROM movies')" \
    "$(sql 'SELECT count(*) FROM movies')" "the merge holds every movie of the first database"

vg "stats" 0 --db "$DB" stats
vg "stats --format json" 0 --db "$DB" stats --format json
vg "dump" 0 --db "$DB" dump
vg "dump --table movie_cast --format csv" 0 --db "$DB" dump --since 0 --table movie_cast --format csv
title=$(sql 'SELECT title FROM movies WHERE deleted_at IS NULL ORDER BY id LIMIT 1')
vg "search" 0 --db "$DB" search "$title"
like "$OUT" "$title" "search finds the stored title"
vg "backup" 0 --db "$DB" backup "$TMP/backup.sqlite3"
is "$(sqlite3 "$TMP/backup.sqlite3" 'SELECT count(*) FROM movies')" "$(sql 'SELECT count(*) FROM movies')" \
    "the backup holds every movie"
vg "optimize" 0 --db "$DB" optimize
vg "restore" 0 --db "$TMP/restored.sqlite3" restore "$TMP/backup.sqlite3"
is "$(sqlite3 "$TMP/restored.sqlite3" 'SELECT count(*) FROM movies')" "$(sql 'SELECT count(*) FROM movies')" \
    "the restored database holds every movie"
# --db a symbolic link loop: refused before its path is read
ln -s "$TMP/loop-b" "$TMP/loop-a" && ln -s "$TMP/loop-a" "$TMP/loop-b"
vg "restore into a symbolic link loop" 1 --db "$TMP/loop-a" restore "$TMP/backup.sqlite3"

is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

done_testing
