#!/bin/sh
# valgrind memcheck over one end-to-end run (list pages, workers, writer,
# 404s, a failed payload and retries): no leak, no invalid access, no
# uninitialised read. Run by `make valgrind` (part of `make test`).
. "$(dirname "$0")/../e2e/lib.sh"
plan 4

command -v valgrind >/dev/null || bail "valgrind is not installed (make deps)"
CAT="--movies 80 --deleted 4"
set -- $(catalogue_ids 3 $CAT)
start_fake $CAT --fault "$1:genres_int" --fault "$2:503:1"
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
    --log-file="$TMP/valgrind.log" \
    "$BIN" --db "$DB" --no-progress list now_playing --pages all --rate 0 --workers 5 \
    </dev/null >"$TMP/out" 2>"$TMP/err"
RC=$?
ERR=$(cat "$TMP/err")
is "$RC" 3 "run completes under valgrind (exit 3: one bad payload)"
is "$(sql 'SELECT count(*) FROM movies')" 75 "75 movies stored"
log=$(cat "$TMP/valgrind.log")
is "$log" "" "valgrind reports nothing (no leaks, no errors)"
[ -n "$log" ] && printf '%s\n' "$log" | head -60 | sed 's/^/# /'
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

done_testing
