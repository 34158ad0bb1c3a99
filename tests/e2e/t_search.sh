#!/bin/sh
# search: ranked full-text matches with id, title, year and snippet;
# --limit; Korean two-syllable words inside longer text; movies marked
# deleted left out; exit 4 for no match and 2 for an empty query.
. "$(dirname "$0")/lib.sh"
plan 19

start_fake --movies 120 --deleted 0
run_ingest list now_playing --pages all --rate 0 --append keywords
n=$(sql "SELECT count(*) FROM movies WHERE title LIKE '%괴물%' OR overview LIKE '%괴물%' OR original_title LIKE '%괴물%' OR tagline LIKE '%괴물%' OR raw_json LIKE '%괴물%'")
run_ingest search 괴물 --limit 1000
is "$RC" 0 "search 괴물 exits 0"
is "$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" "$n" "finds every movie holding 괴물 in its text or keywords ($n)"
like "$(printf '%s\n' "$OUT" | head -2)" "\[괴물\]" "the snippet marks the match"
run_ingest search 괴물 --limit 3
is "$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  ')" 3 "--limit 3 gives three"
victim=$(printf '%s\n' "$OUT" | head -1 | awk '{print $1}')
sql "UPDATE movies SET deleted_at = '2026-01-01T00:00:00Z' WHERE id = $victim"
run_ingest search 괴물 --limit 1000
unlike "$OUT" "^ +$victim  " "a movie marked deleted is left out"
# the year whole: a release date is stored as TMDB sends it, and four
# characters of one may take 16 bytes; they were cut to 13, inside the
# last character, and the ")" lost
first=$(printf '%s\n' "$OUT" | head -1 | awk '{print $1}')
sql "UPDATE movies SET release_date = '🎬🎬🎬🎬-01-01' WHERE id = $first"
run_ingest search 괴물 --limit 1000
like "$OUT" "^ +$first  .* \(🎬🎬🎬🎬\)$" "a year of four 4-byte characters is printed whole"
# a title edited in by hand that is not UTF-8 (a load refuses such text):
# U+FFFD for each stray byte, as dump writes it, not a raw 0x9B (an 8-bit
# terminal's CSI) or half a character
sql "UPDATE movies SET title = CAST(X'5A7A9B324A20C328' AS TEXT) WHERE id = $first"
run_ingest search 괴물 --limit 1000
printf '%s\n' "$OUT" | "$PYTHON" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' 2>/dev/null
ok $? "the matches are UTF-8, whatever bytes the database holds"
like "$OUT" "^ +$first  Zz�2J �\(" "each stray byte is printed as U+FFFD"
run_ingest search zzzqqqxxx
is "$RC" 4 "nothing found: exit 4"
# A word of stray bytes from a script (two characters, then 60,000
# continuation bytes): no match, not SQLite's "LIKE pattern too complex"
run_ingest search "$("$PYTHON" -c 'import sys; sys.stdout.buffer.write(b"a" + b"\x80" * 60000)')"
is "$RC:$ERR" "4:" "a long word of stray bytes: nothing found, exit 4, no error"
run_ingest search "   "
is "$RC" 2 "an empty query: exit 2"
# the most words a query may have is the users' to know: README, the man
# page and search --help give it (before, only store.h did)
run_ingest search "a b c d e f g h i j k l m n o p q"
is "$RC" 2 "a query of more words than search takes: exit 2"
max=$(printf '%s\n' "$ERR" | sed -n 's/.*more than \([0-9][0-9]*\) words.*/\1/p')
n=0
grep -q "at most $max words" "$ROOT/README.md" && n=$((n + 1))
sed 's/\\-/-/g' "$ROOT/docs/tmdb-ingest.1" | tr '\n' ' ' | grep -q "at most $max words" && n=$((n + 1))
"$BIN" search --help | tr '\n' ' ' | grep -q "at most $max words" && n=$((n + 1))
is "$max:$n" "16:3" "README, the man page and search --help give the limit"
# a reader gone is said as such (README: "Broken pipe"): when the write of
# a hit failed (more matches than stdio's buffer holds), the flush after
# it had nothing left to write and said "output error"
run_ingest search 줄거리 --limit 1000
[ "${#OUT}" -gt 8192 ] || bail "search 줄거리: only ${#OUT} bytes, too few to fill stdio's buffer"
"$PYTHON" - "$BIN" --db "$DB" search 줄거리 --limit 1000 2>"$TMP/err" <<'EOF'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)  # the reader gone before the first write
sys.exit(subprocess.run(sys.argv[1:], stdout=w).returncode)
EOF
is "$?" 1 "matches written to a pipe whose reader is gone: exit 1"
like "$(cat "$TMP/err")" "error: writing the search results: Broken pipe" "and says why"
"$BIN" --db "$DB" search 괴물 >/dev/full 2>"$TMP/err"
is "$?" 1 "matches written to a full disk: exit 1, not 0"
like "$(cat "$TMP/err")" "error: writing the search results: No space left on device" "and says why"

# Movies whose title holds the words come first. bm25 scales a column's
# score by the whole row's length, so "Train Ghost 7", whose overview is
# the fake's longest (13,200 characters), ranked last of 226 matches of
# "train", below 190 movies that hold it only in an overview or keywords.
start_fake --movies 300 --deleted 5
DB=$TMP/en.sqlite3
run_ingest list now_playing --pages all --rate 0 --language en-US --append keywords
titled=$(sql "SELECT id FROM movies WHERE title LIKE '%train%' OR original_title LIKE '%train%' ORDER BY id")
n=$(printf '%s\n' "$titled" | grep -c .)
long=$(sql "SELECT id FROM movies WHERE title LIKE '%train%' ORDER BY length(overview) DESC LIMIT 1")
[ "$n" -gt 10 ] && [ "$(sql "SELECT length(overview) > 10000 FROM movies WHERE id = $long")" = 1 ] ||
    bail "the fake's catalogue changed: $n titles with train, the longest overview's $long"
run_ingest search train --limit 1000
hits=$(printf '%s\n' "$OUT" | grep -E '^ +[0-9]+  ' | awk '{print $1}')
is "$(printf '%s\n' "$hits" | head -n "$n" | sort -n | tr '\n' ' ')" "$(printf '%s\n' "$titled" | tr '\n' ' ')" \
    "the $n movies with train in their title come first, before those with it elsewhere"
[ "$(printf '%s\n' "$hits" | grep -c .)" -gt "$n" ]
ok $? "the others follow ($(printf '%s\n' "$hits" | grep -c .) matches)"

done_testing
