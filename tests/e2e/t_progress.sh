#!/bin/sh
# The progress line (a terminal only) counts what the run has to do: a
# total of each id once, and the ids a resume or --max-age skips as done,
# so a run's last line reaches its total. The binary runs with stderr on a
# pseudo-terminal; every line it drew is read back.
. "$(dirname "$0")/lib.sh"
plan 7

start_fake --movies 300 --deleted 0 --latency-ms 300

# on_tty ARGS...: run the binary with stderr on a pseudo-terminal; sets RC
# and LINES, each progress line it drew (the \r-separated redraws), one a line.
on_tty() {
    "$PYTHON" - "$TMP/tty" "$BIN" --db "$DB" "$@" <<'PY'
import os, pty, subprocess, sys
master, slave = pty.openpty()
with open(os.devnull) as null:
    p = subprocess.Popen(sys.argv[2:], stdin=null, stdout=null, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not chunk:
        break
    data += chunk
p.wait()
with open(sys.argv[1], "w") as out:
    for redraw in data.decode("utf-8", "replace").replace("\r\n", "\n").split("\r"):
        redraw = redraw.replace("\x1b[K", "").strip()
        if " done (" in redraw:
            out.write(redraw + "\n")
sys.exit(p.returncode)
PY
    RC=$?
    LINES=$(cat "$TMP/tty")
}

# done, total and the counts of every line: "done total stored missing failed skipped"
counts() {
    printf '%s\n' "$LINES" |
        sed -n 's/^\([0-9]*\)\/\([0-9]*\) done (\([0-9]*\) stored, \([0-9]*\) missing, \([0-9]*\) failed, \([0-9]*\) skipped).*/\1 \2 \3 \4 \5 \6/p'
}

# 4 ids, one repeated and one another shard's: two to fetch
on_tty --rate 0 --workers 1 --shard 0/2 ids 10 10 11 12
is "$RC" 0 "ids with a repeat and another shard's: exit 0"
[ -n "$LINES" ]
ok $? "the progress line was drawn on the terminal"
is "$(counts | awk '$2 != 0 {print $2}' | sort -u | tr '\n' ' ')" "2 " \
    "its total, once the ids are read, counts each of this shard's ids once: 2, not the 4 given"

# page 1 of popular stored; then pages 1-2 with --max-age: page 1's 20 skipped
on_tty --rate 0 --no-progress list popular
on_tty --rate 0 --max-age 1h list popular --pages 2
is "$RC" 0 "a list of 2 pages with page 1 fresh: exit 0"
is "$(sql "SELECT skipped FROM runs ORDER BY id DESC LIMIT 1")" 20 "20 movies skipped"
is "$(counts | awk '$1 != $3 + $4 + $5 + $6' | head -1)" "" \
    "each line's done is its stored, missing, failed and skipped together"
is "$(counts | tail -1 | awk '{print $6}')" 20 \
    "the skipped ids are counted as done (the last line drawn says 20 skipped)"

done_testing
