#!/bin/sh
# The man page and the README agree with the code: every option --help
# names is documented in both, and every command too.
. "$(dirname "$0")/lib.sh"
plan 4

help=$("$BIN" --help)
man=$(sed 's/\\-/-/g' "$ROOT/docs/tmdb-ingest.1")
readme=$(cat "$ROOT/README.md")
options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
missing_man= missing_readme=
for o in $options; do
    printf '%s' "$man" | grep -qF -- "$o" || missing_man="$missing_man $o"
    printf '%s' "$readme" | grep -qF -- "$o" || missing_readme="$missing_readme $o"
done
is "$missing_man" "" "every option in --help is in the man page ($(echo $options | wc -w) options)"
is "$missing_readme" "" "every option in --help is in the README"
commands=$(printf '%s\n' "$help" | sed -n 's/^\(Usage:\)\{0,1\} *tmdb-ingest \(\[OPTIONS\] \)\{0,1\}\([a-z]*\).*/\3/p' | sort -u)
missing=
for c in $commands; do
    printf '%s' "$man" | grep -qE "^\.B[I]? \"?$c" || missing="$missing $c"
done
is "$missing" "" "every command in --help has a man page entry ($(echo $commands | tr '\n' ' '))"
# and the other way: options the man page documents exist
stale=
for o in $(printf '%s\n' "$man" | grep -oE -- '^\.(B|BI|BR) --[a-z][a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u); do
    printf '%s' "$help" | grep -qF -- "$o" || stale="$stale $o"
done
is "$stale" "" "no option in the man page that --help does not know"

done_testing
