# completion.bash - bash completion for tmdb-ingest.
#
#   source scripts/completion.bash          # this shell
#   make install                            # installs it for bash-completion
#
# Options are read from `tmdb-ingest --help` once per shell, so the
# completion always matches the installed binary.

# File names: bash-completion's _filedir when it is loaded; else compgen -f
# a name a line (a space inside a name stays in it) with -o filenames (a
# directory gets its slash, to go on into it).
_tmdb_ingest_files() {
    if declare -F _filedir >/dev/null; then
        _filedir
        return
    fi
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
}

_tmdb_ingest() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local bin=${words[0]}
    local commands="list ids export changes merge stats search dump backup optimize restore"

    case $prev in
    --db | --file | --cacert | --token-file)
        _tmdb_ingest_files
        return
        ;;
    --language) COMPREPLY=($(compgen -W "ko-KR en-US ja-JP fr-FR de-DE es-ES" -- "$cur")); return ;;
    --pages) COMPREPLY=($(compgen -W "all 1 5 10" -- "$cur")); return ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --format)
        # dump: jsonl csv; stats: text json
        local fmt="jsonl csv text json" w
        for w in "${words[@]}"; do
            case $w in
            dump) fmt="jsonl csv" ;;
            stats) fmt="text json" ;;
            esac
        done
        COMPREPLY=($(compgen -W "$fmt" -- "$cur"))
        return
        ;;
    --append)
        local parts="credits keywords release_dates external_ids translations videos images"
        parts+=" alternative_titles recommendations similar reviews lists changes watch/providers"
        local done_parts=${cur%"${cur##*,}"}
        COMPREPLY=($(compgen -P "$done_parts" -W "$parts" -- "${cur##*,}"))
        compopt -o nospace 2>/dev/null
        return
        ;;
    --date | --since) COMPREPLY=($(compgen -W "$(date -u -d yesterday +%F 2>/dev/null)" -- "$cur")); return ;;
    --table)
        # the tables dump writes, in its own order (t_completion checks them
        # against the binary's list)
        local tables="movies movie_genres movie_companies movie_countries movie_languages"
        tables+=" movie_cast movie_crew movie_keywords release_dates external_ids translations"
        tables+=" movie_parts genres companies countries languages keywords people collections"
        tables+=" runs fetch_failures"
        COMPREPLY=($(compgen -W "$tables" -- "$cur"))
        return
        ;;
    --api-base | --export-base | --workers | --queue-size | --rate | --retries | --give-up-after | --timeout | \
        --max-body | --batch | --db-cache | --max-age | --shard | --min-popularity | \
        --max-deletions | --limit)
        return
        ;;
    esac

    # the command given so far, if any
    local i command=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -*) ;;
        *) if [[ " $commands " == *" ${words[i]} "* ]]; then command=${words[i]}; break; fi ;;
        esac
    done

    if [[ $cur == -* ]]; then
        if [[ -z ${_tmdb_ingest_options-} ]]; then
            _tmdb_ingest_options=$("$bin" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | sort -u)
        fi
        COMPREPLY=($(compgen -W "$_tmdb_ingest_options -h -q -v" -- "$cur"))
        return
    fi
    case $command in
    "") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    list) COMPREPLY=($(compgen -W "now_playing popular top_rated upcoming" -- "$cur")) ;;
    merge | backup | restore) _tmdb_ingest_files ;;
    esac
}

complete -F _tmdb_ingest tmdb-ingest
