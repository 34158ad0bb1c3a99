#!/bin/sh
# The man page and the README agree with the code: every option --help
# names is documented in both (as a whole option, not inside a longer one),
# and every command of --help has a man page entry and a README row.
# Every table row of the README and docs/ has as many cells as its header:
# a '|' left unescaped, also inside `code`, starts a cell, and GitHub drops
# the cells past the header's. docs/coverage.md's total row adds up its
# files' rows.
. "$(dirname "$0")/lib.sh"
plan 9

help=$("$BIN" --help)
# the checks below read --help's lists: an empty or cut --help (printed to
# stderr, say) would pass every one of them
n_options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u | wc -l)
n_commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | grep -cE '^  [a-z]+ ')
[ "$n_options" -ge 30 ] && [ "$n_commands" -ge 8 ]
ok $? "--help on stdout lists the options and commands ($n_options options, $n_commands commands)"
man=$(sed 's/\\-/-/g' "$ROOT/docs/tmdb-ingest.1")
readme=$(cat "$ROOT/README.md")
# the first cells of the README's table rows (an escaped \| kept inside)
cells=$(printf '%s\n' "$readme" | sed 's/\\|/¦/g' | sed -n 's/^| \([^|]*\) |.*/\1/p')
options=$(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
# a whole option: not followed by another letter or '-' (--db is not --db-cache)
whole() { grep -qE -- "$1([^a-z-]|\$)"; }
missing_man= missing_readme=
for o in $options; do
    printf '%s\n' "$man" | grep -E "^\.(B|BI|BR) " | whole "$o" || missing_man="$missing_man $o"
    # in the README: the first cell of a table row names it
    printf '%s\n' "$cells" | grep -qE "\`$o[ \`=]" || missing_readme="$missing_readme $o"
done
is "$missing_man" "" "every option in --help has a man page entry ($(echo $options | wc -w) options)"
is "$missing_readme" "" "every option in --help has a row in the README's options table"
shorts=$(printf '%s\n' "$help" | grep -oE -- '^  -[a-z],' | tr -d ' ,' | sort -u)
missing=
for o in $shorts; do
    printf '%s\n' "$man" | grep -E "^\.(B|BI|BR) " | whole "$o" || missing="$missing $o"
done
is "$missing" "" "every short option has a man page entry ($(echo $shorts | tr '\n' ' '))"
commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort -u)
missing_man= missing_readme=
for c in $commands; do
    printf '%s' "$man" | grep -qE "^\.B[I]? \"?$c" || missing_man="$missing_man $c"
    printf '%s\n' "$readme" | grep -qE "^\| \`$c[ \`]" || missing_readme="$missing_readme $c"
done
is "$missing_man" "" "every command in --help has a man page entry ($(echo $commands | tr '\n' ' '))"
is "$missing_readme" "" "every command in --help has a row in the README's commands table"
# and the other way: options the man page documents exist
stale=
for o in $(printf '%s\n' "$man" | grep -oE -- '^\.(B|BI|BR) --[a-z][a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u); do
    printf '%s\n' "$help" | whole "$o" || stale="$stale $o"
done
is "$stale" "" "no option in the man page that --help does not know"
# FILE:LINE of each table row whose cells are not its header's (\| is one)
uneven=$(cd "$ROOT" && awk '
    function cells(line) { gsub(/\\\|/, "", line); return gsub(/\|/, "", line) - 1 }
    FNR == 1 { want = 0 }
    !/^\|/ { want = 0; next }
    want == 0 { want = cells($0); next }
    cells($0) != want { printf "%s:%d ", FILENAME, FNR }' README.md docs/*.md)
is "$uneven" "" "every table row in README.md and docs/*.md has its header's number of cells"
# "| `f.c` | lines | run % | branches | taken % |" rows, then the total's:
# its counts the sums, its shares within 0.1 of the rows' (each rounded)
total=$(awk -F'|' '
    function n(cell) { gsub(/[* ]/, "", cell); return cell + 0 }
    $2 ~ /^ `[a-z_]+\.c` $/ { l += n($3); lr += n($3) * n($4); b += n($5); bt += n($5) * n($6) }
    $2 ~ /all of/ {
        ok = n($3) == l && n($5) == b && n($4) - lr / l < 0.11 && lr / l - n($4) < 0.11 &&
             n($6) - bt / b < 0.11 && bt / b - n($6) < 0.11
        printf "%s (rows: %d, %.1f, %d, %.1f)", ok ? "adds up" : $0, l, lr / l, b, bt / b
    }' "$ROOT/docs/coverage.md")
like "$total" "^adds up " "docs/coverage.md: the total row adds up the files' rows: $total"

done_testing
