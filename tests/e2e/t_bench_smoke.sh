#!/bin/sh
# `make bench` cannot rot: run the benchmark at tiny sizes and check that it
# produced a row with figures for every tool and scenario. Times are not
# asserted (that is the benchmark's job, not a test's).
. "$(dirname "$0")/lib.sh"
plan 17

"$PYTHON" "$ROOT/scripts/bench.py" --quick --bin "$BIN" --out "$TMP/bench.md" >"$TMP/bench.out" 2>&1
ok $? "bench.py --quick completes"
out=$(cat "$TMP/bench.md")
for s in "### a\." "### b\." "### c\." "### d\." "### e\." "### f\."; do
    like "$out" "$s" "scenario $s reported"
done
is "$(grep -c '^| tmdb-ingest, the same movies a day later |' "$TMP/bench.md")" 2 \
    "a and b also report a reload of the same movies a day later"
# every row of every tool has figures; the asyncio rows may say "skipped"
# only where no python3 has aiohttp
if "$PYTHON" -c 'import aiohttp' 2>/dev/null || /usr/bin/python3 -c 'import aiohttp' 2>/dev/null; then
    aiohttp=yes
    skipped='^$'
else
    aiohttp=no
    skipped='^\| asyncio \+ aiohttp.*\| skipped: aiohttp missing'
fi
# (wall, CPU and peak RSS each a median with its spread)
fig='[0-9.]+ \([0-9.]+-[0-9.]+\)'
bad=$(grep '^| ' "$TMP/bench.md" | grep -v '^| tool |' | grep -Ev "^\| [^|]* \| $fig \| $fig \| $fig \|" |
    grep -Ev "$skipped" || true)
is "$bad" "" "every row has measured figures (aiohttp: $aiohttp)"
# the asyncio and sequential versions ran on one interpreter, the one named
py=$(sed -n 's/^- Machine: .*Python [0-9.]* (\([^:]*\): the asyncio and sequential versions.*/\1/p' \
    "$TMP/bench.md")
if [ $aiohttp = yes ]; then
    "$py" -c 'import aiohttp' 2>/dev/null
    ok $? "the Python baselines' interpreter ($py) is named, and has aiohttp"
else
    is "$py" "$(command -v "$PYTHON")" "the Python baselines' interpreter is named"
fi
is "$(grep -cE '^\| export, [0-9]+ movies .*\| 0; [0-9]+ run\(s\); database [0-9]+ MB \|$' "$TMP/bench.md")" 2 \
    "f's real exports exit 0 and report the database's size"

# bench_asyncio.py handles failures as the original (../shared/seed/) did:
# not at all. Every body is parsed and kept, so a 429's makes a row of NULLs,
# and each request prints its line.
first=$("$PYTHON" "$FAKE" --dump-ids --movies 20 --deleted 0 | head -n 1)
start_fake --movies 20 --deleted 0 --fault "$first:429"
for mode in asyncio sequential; do
    if [ $mode = sequential ]; then
        set -- "$PYTHON" "$ROOT/scripts/bench_asyncio.py" --sequential
    elif [ $aiohttp = yes ]; then
        set -- "$py" "$ROOT/scripts/bench_asyncio.py"
    else
        ok 0 "# SKIP no python3 has aiohttp"
        continue
    fi
    rm -f "$DB"
    "$@" --api-base "$TMDB_API_BASE" --db "$DB" --pages 1 >"$TMP/$mode.out" 2>"$TMP/$mode.err"
    is "$?:$(sql 'SELECT count(*), count(title), count(revenue) FROM movies'):$(grep -c \
        '^요청 완료: .*/movie/[0-9]*?language=ko-KR (상태: [0-9]*)$' "$TMP/$mode.out"):$(grep -c \
        "/movie/$first?.*(상태: 429)" "$TMP/$mode.out")" "0:20|19|19:20:1" \
        "$mode: every answer kept, the 429's as a row of NULLs; a line printed a request"
done
stop_fake

# A run that fails, or that exits 0 without doing the job, stops the
# benchmark: its figures would otherwise be the best of all.
printf '#!/bin/sh\nexit 3\n' >"$TMP/fails"
printf '#!/bin/sh\nexit 0\n' >"$TMP/idle"
chmod +x "$TMP/fails" "$TMP/idle"
for tool in fails idle; do
    "$PYTHON" "$ROOT/scripts/bench.py" --quick --only e --bin "$TMP/$tool" --out "$TMP/$tool.md" \
        >"$TMP/$tool.out" 2>&1
    is "$?:$(test -e "$TMP/$tool.md" && echo written)" 1: \
        "a run of '$tool' (exit $(grep -o '[0-9]' "$TMP/$tool")) stops the benchmark, no results written"
done
like "$(cat "$TMP/fails.out")" "fails --db .* exited 3" "the failed run is named, with its exit status"
like "$(cat "$TMP/idle.out")" "asked for 0 movies' details, not the catalogue's 40" \
    "a run that fetched nothing is named"

done_testing
