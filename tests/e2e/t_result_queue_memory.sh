#!/bin/sh
# The result queue holds parsed movies (each with its raw_json, up to
# --max-body) while the writer commits or sleeps: it bounds the memory a
# load needs beyond the page cache. It is bounded in bytes (8 MiB queued,
# pipeline.c), not only in slots: when the writer waited for half of 64
# slots, a writer slower than the workers (large movies) let 64 pile up.
# 150 movies of 1 MiB each, 1 worker, peak RSS: 48 MiB with 4 slots
# (d7ac6ed), 132-172 MiB with 64 slots (830e2eb), 23 MiB with the bound.
. "$(dirname "$0")/lib.sh"
plan 3

if grep -qa -e __asan_init -e __tsan_init "$BIN"; then
    for i in 1 2 3; do
        echo "ok $i # SKIP peak RSS: a sanitizer build's shadow memory is not the tool's"
    done
    exit 0
fi

N=150
"$PYTHON" - "$TMP" "$N" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    body = {"id": i, "title": "m%d" % i, "overview": "x" * (1 << 20), "video": False,
            "adult": False}
    open(f"{tmp}/{i}.json", "w").write(json.dumps(body))
PY
set --
i=1
while [ $i -le $N ]; do
    set -- "$@" --body-file "$i:$TMP/$i.json"
    i=$((i + 1))
done
start_fake --movies 5 --deleted 0 "$@"

# peak RSS (KiB) of the load itself (os.wait4: not the fake's, not Python's)
rss=$("$PYTHON" - "$BIN" "$DB" "$TMP/err" "$N" <<'PY'
import os, subprocess, sys
binary, db, err, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
args = [binary, "--db", db, "--no-progress", "ids"] + [str(i) for i in range(1, n + 1)] + \
       ["--rate", "0", "--workers", "1"]
with open(err, "w") as e:
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=e)
    _, status, ru = os.wait4(p.pid, 0)
print(os.waitstatus_to_exitcode(status), ru.ru_maxrss)
PY
)
set -- $rss
is "$1" 0 "a load of $N movies of 1 MiB, 1 worker: exit 0"
is "$(sql 'SELECT count(*) FROM movies')" "$N" "every movie stored"
[ "$2" -le 65536 ]
ok $? "peak RSS at most 64 MiB ($(($2 / 1024)) MiB): the result queue holds a few movies, not 64"

done_testing
