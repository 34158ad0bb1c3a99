#!/bin/sh
# ids - : ids streamed from standard input, duplicates enqueued once, bad
# tokens reported with their line and counted as failed (exit 3). Started
# with standard output and error closed (logs written all along) every id
# is still read and stored; with standard input closed, there are none.
. "$(dirname "$0")/lib.sh"
plan 24

start_fake --movies 50 --deleted 0
ids=$(catalogue_ids 30 --movies 50 --deleted 0)
{
    for id in $ids; do echo "$id"; done
    echo "$ids" | tr ' ' '\t'   # every id again, tab separated on one line
} >"$TMP/ids"
INGEST_STDIN=$TMP/ids run_ingest ids - --workers 4 --rate 0
is "$RC" 0 "exit 0"
is "$(sql 'SELECT count(*) FROM movies')" 30 "30 movies stored"
fake_snapshot
is "$(fake_stat by_endpoint.details)" 30 "each duplicate id requested once"
is "$(sql 'SELECT requested FROM runs')" 30 "runs.requested counts distinct ids"

printf '%s\nnot-an-id\n\n  %s  \n-5\n' "$(echo "$ids" | cut -d' ' -f1)" "$(echo "$ids" | cut -d' ' -f2)" >"$TMP/bad"
INGEST_STDIN=$TMP/bad run_ingest ids - --rate 0
is "$RC" 3 "bad tokens: exit 3 (finished, some input failed)"
like "$ERR" "line 2: \"not-an-id\" is not a movie id" "bad token reported with its line"
like "$ERR" "line 5: \"-5\" is not a movie id" "negative id reported"
is "$(sql 'SELECT failed FROM runs ORDER BY id DESC LIMIT 1')" 2 "bad tokens counted as failed"
# The input's end ends its last token too: a file whose last line has no
# newline (printf, an editor that adds none) loads its last id.
printf '%s\n%s' "$(echo "$ids" | cut -d' ' -f3)" "$(echo "$ids" | cut -d' ' -f4)" >"$TMP/nonl"
DB=$TMP/nonl.sqlite3 INGEST_STDIN=$TMP/nonl run_ingest ids - --rate 0
is "$RC:$(DB=$TMP/nonl.sqlite3 sql 'SELECT count(*) FROM movies')" "0:2" \
    "a last id with no newline after it is read and stored"

DB=$TMP/closed.sqlite3
"$BIN" --db "$DB" --no-progress -vv --rate 0 ids - <"$TMP/ids" >&- 2>&-
is "$?:$(sql 'SELECT count(*) FROM movies')" "0:30" "stdout and stderr closed: exit 0, all 30 stored"
is "$(sql 'PRAGMA integrity_check')" ok "and no log line went into the database"
# While it runs, /dev/null holds the closed descriptors' places: a file
# opened later (the stop pipe, the lock file, a socket) would otherwise
# take number 1 or 2, and the log lines would be written into it.
mkfifo "$TMP/ids.fifo"
"$BIN" --db "$DB" --no-progress -vv --rate 0 ids - <"$TMP/ids.fifo" >&- 2>&- &
pid=$!
exec 3>"$TMP/ids.fifo"
wait_for "the load's run row" "$pid" run_running
is "$(readlink "/proc/$pid/fd/1"):$(readlink "/proc/$pid/fd/2")" "/dev/null:/dev/null" \
    "stdout and stderr closed: /dev/null in their places while it runs"
exec 3>&-
wait "$pid"
timeout 20 "$BIN" --db "$DB" --no-progress --rate 0 ids - <&- >/dev/null 2>&1
is "$?" 1 "stdin closed: exit 1, no ids to read (no hang, no empty run called ok)"
# quoted_as FILE PATTERN NAME: a dry run reading FILE warns that its first
# token, quoted as PATTERN (a regular expression), is not a movie id.
quoted_as() {
    INGEST_STDIN=$1 run_ingest --dry-run ids -
    like "$ERR" "line 1: \"$2\" is not a movie id" "$3"
}
# A warning quotes a token's control bytes as \xNN: UTF-16 input's NULs
# (before, the quote stopped at the first NUL: '"5" is not a movie id',
# pointing the wrong way) and an escape sequence that would act on a
# terminal.
"$PYTHON" -c 'import sys; sys.stdout.buffer.write("550\n".encode("utf-16-le"))' >"$TMP/utf16"
quoted_as "$TMP/utf16" '5\\x005\\x000\\x00' "a UTF-16 token is quoted with its NULs"
printf 'ab\033[31mc\n' >"$TMP/esc"
quoted_as "$TMP/esc" 'ab\\x1b\[31mc' "an escape byte is quoted, not sent to the terminal"
printf '12\1773\n' >"$TMP/del"
quoted_as "$TMP/del" '12\\x7f3' "so is DEL (0x7f), the last byte before the non-ASCII ones"
# So is every byte of a non-ASCII character, which may not show or may
# look like a digit: a UTF-8 byte-order mark (a file saved by a Windows
# tool) before an id was quoted invisibly, '"550" is not a movie id'; a
# full-width digit looked like an ASCII one. The quote holds all 32 bytes
# of a token that long, each escaped (its last one was dropped).
printf '\357\273\277550\n' >"$TMP/bom"
quoted_as "$TMP/bom" '\\xef\\xbb\\xbf550' "a byte-order mark is quoted as bytes"
printf '\357\274\225\357\274\225\357\274\220\n' >"$TMP/fullwidth"
quoted_as "$TMP/fullwidth" '(\\xef\\xbc\\x95){2}\\xef\\xbc\\x90' "full-width digits are quoted as bytes"
"$PYTHON" -c 'import sys; sys.stdout.buffer.write(b"\x01" * 32 + b"\n")' >"$TMP/ctl32"
quoted_as "$TMP/ctl32" '(\\x01){32}' "a token of 32 bytes is quoted whole"

# `ids -` typed at a terminal waits for input, as cat does: the progress
# line says so, and what ends the ids; from a pipe or a file (every test
# above) it does not. script(1) gives the load a terminal for its stdin and
# stderr; the ids are typed after a second (committed a second after their
# answers, the writer's default), then Ctrl-D two seconds later.
two=$(echo "$ids" | cut -d' ' -f1,2)
(sleep 1; printf '%s\n' "$two"; sleep 2; printf '\004') |
    ${INGEST_TIMEOUT:+timeout "$INGEST_TIMEOUT"} script -qec \
        "\"$BIN\" --db \"$TMP/tty.sqlite3\" --rate 0 ids -" /dev/null >"$TMP/tty" 2>&1
like "$(tr '\r\n' '  ' <"$TMP/tty")" "ids from the terminal, Ctrl-D ends them \| 0/0 done.*run [0-9]+ ok: requested=2 stored=2" \
    "ids typed at a terminal: the progress line says where they come from and what ends them"
is "$(sqlite3 "$TMP/tty.sqlite3" "SELECT count(*) FROM movies WHERE id IN ($(echo "$two" | tr ' ' ,))")" 2 \
    "and the ids typed are stored"
# The ETA comes from the pace so far: none while the ids typed wait for
# their answers (nothing done yet, past the first second), nor once all of
# them are done and the load waits for more ids (nothing known to be left).
tr '\r' '\n' <"$TMP/tty" | grep -Eo '[02]/2 done.*' | sed 's/ *$//' >"$TMP/tty.frames"
diag "progress frames: $(sort -u "$TMP/tty.frames" | tr '\n' ' ')"
waiting=$(grep -c '^0/2 done' "$TMP/tty.frames")
all_done=$(grep -c '^2/2 done' "$TMP/tty.frames")
is "$([ "$waiting" -gt 0 ] && [ "$all_done" -gt 0 ] && echo both):$(grep -vc 'ETA --$' "$TMP/tty.frames")" "both:0" \
    "typed ids: no ETA before one is done, nor when all are done and more may come"

# On a terminal, the progress line's total counts the tokens that were not
# ids with the ids, as its "done" and "failed" count them: 10 bad tokens and
# 2 ids read "10/12 done" while the 2 movies are fetched, not "10/2".
start_fake --movies 50 --deleted 0 --latency-ms 1500
{
    i=0
    while [ $i -lt 10 ]; do
        echo "bad$i"
        i=$((i + 1))
    done
    echo "$two"
} >"$TMP/mixed"
${INGEST_TIMEOUT:+timeout "$INGEST_TIMEOUT"} script -qec \
    "\"$BIN\" --db \"$TMP/mixed.sqlite3\" --rate 0 ids - <\"$TMP/mixed\"" /dev/null \
    </dev/null >"$TMP/mixed.tty" 2>&1
tr '\r' '\n' <"$TMP/mixed.tty" | grep -Eo '[0-9]+/[0-9]+ done' | sort -u >"$TMP/frames"
diag "progress frames: $(tr '\n' ' ' <"$TMP/frames")"
is "$(awk -F'[/ ]' '$1 + 0 > $2 + 0' "$TMP/frames" | head -1):$(grep -c '^10/12 done' "$TMP/frames")" ":1" \
    "bad tokens and ids: the progress line's done never passes its total (10/12 while fetching)"
is "$(grep -c 'ids from the terminal' "$TMP/mixed.tty")" 0 \
    "ids - from a file, progress on a terminal: the line does not say the ids come from the terminal"
done_testing
