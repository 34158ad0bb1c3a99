#!/bin/sh
# scripts/completion.bash completes commands, list names, options (read
# from --help, so every option the binary knows), --append parts and the
# --format values of the command given.
. "$(dirname "$0")/lib.sh"
plan 10

complete_words() { # complete_words WORD... (the last is the one being completed)
    bash -c '
        source "$1/scripts/completion.bash"
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        _tmdb_ingest
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$ROOT" "$@"
}
is "$(complete_words "$BIN" "")" "backup changes dump export ids list merge optimize restore search stats " "commands"
is "$(complete_words "$BIN" list "")" "now_playing popular top_rated upcoming " "list names"
is "$(complete_words "$BIN" export --inc)" "--include-adult --include-video " "options, from --help"
is "$(complete_words "$BIN" --append credits,key)" "credits,keywords " "--append parts after a comma"
is "$(complete_words "$BIN" stats --format "")" "json text " "stats --format: text or json"
is "$(complete_words "$BIN" dump --format "")" "csv jsonl " "dump --format: jsonl or csv"
# --table: every table dump takes, as its usage error lists them
tables=$("$BIN" --db "$TMP/none.sqlite3" dump --table x 2>&1 | sed -n 's/.*to dump (\(.*\)).*/\1/p' | tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')
ok "$([ -n "$tables" ]; echo $?)" "dump's usage error lists its tables"
is "$(complete_words "$BIN" dump --table "")" "$tables" "--table: the tables dump takes"
all=$(complete_words "$BIN" --)
missing=
for o in $("$BIN" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    case " $all " in *" $o "*) ;; *) missing="$missing $o" ;; esac
done
is "$missing" "" "every option of --help completes"
# File names hold spaces: one name, not two words (compgen -f's output was
# split on the space). Completed as bash does from a terminal, where
# compopt works.
mkdir -p "$TMP/dir"
: >"$TMP/dir/my file.sqlite3"
is "$(bash -c '
    source "$1/scripts/completion.bash"
    COMP_WORDS=("$2" --db "$3/dir/my")
    COMP_CWORD=2
    _tmdb_ingest 2>/dev/null
    printf "%s|%s" "${#COMPREPLY[@]}" "${COMPREPLY[0]}"' _ "$ROOT" "$BIN" "$TMP")" \
    "1|$TMP/dir/my file.sqlite3" "--db: a file name with a space completes as one name"

done_testing
