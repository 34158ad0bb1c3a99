#!/bin/sh
# A gzip bomb for an export (MiBs that inflate to GiBs of empty lines, as
# a hostile or broken export host could serve): SIGTERM stops the run
# within 2 s while the download is checked and while the file is read, as
# everywhere else (it waited for the whole file to be inflated: a minute
# here, hours for a 1 GiB download).
. "$(dirname "$0")/lib.sh"
plan 6

TODAY=$(date -u +%F)
start_fake --movies 20 --deleted 0 --export-blank-mib 32768
"$PYTHON" "$FAKE" --movies 20 --deleted 0 --export-blank-mib 8192 --write-export "$TMP/bomb.gz"

# terminate WHEN ARGS...: run an export; SIGTERM it half a second after
# the download ends (WHEN=downloaded: the whole file is being checked) or
# after its first movie is stored (WHEN=stored: the empty lines are read)
terminate() {
    when=$1
    shift
    "$BIN" --db "$DB" --no-progress --rate 0 -v export "$@" </dev/null >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    if [ "$when" = downloaded ]; then
        i=0
        until grep -q "downloaded:" "$TMP/err" || [ $i -ge 150 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    else
        wait_for_movies 1
    fi
    sleep 0.5
    start=$(date +%s)
    kill -TERM "$pid"
    wait "$pid"
    RC=$?
    ELAPSED=$(( $(date +%s) - start ))
    ERR=$(cat "$TMP/err")
}

terminate downloaded --export-base "$FAKE_URL/p/exports" --date "$TODAY"
is "$RC" 143 "SIGTERM while the downloaded export is checked: exit 143"
[ "$ELAPSED" -le 2 ]
ok $? "and within 2 s (${ELAPSED}s)"
is "$(sql 'SELECT status FROM runs')" interrupted "the run is marked interrupted"

rm -f "$DB"*
terminate stored --file "$TMP/bomb.gz"
is "$RC" 143 "SIGTERM while an export file is read: exit 143"
[ "$ELAPSED" -le 2 ]
ok $? "and within 2 s (${ELAPSED}s)"
unlike "$ERR" "error" "no error is reported for a stop"

done_testing
