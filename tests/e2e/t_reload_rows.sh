#!/bin/sh
# A reload leaves a movie's links and part rows exactly as a first load of
# the same bodies would: the sets that come back the same are left alone
# (read, not rewritten), and those that changed are replaced, whatever
# changed in them: a list reordered, shortened, emptied, a key named twice,
# a value of one row (a character, a note, a title). Loads of the fake's
# catalogue, then of it with 40 bodies changed (--body-file), then of the
# catalogue again, each compared with a first load into a new database;
# then a day later, when TMDB's popularity and votes have moved for every
# movie (the fake's POST /__next_day), as a nightly reload meets them: the
# figures are stored, the rows the movies own and the search index are left
# as they were.
. "$(dirname "$0")/lib.sh"
plan 11

PARTS=credits,keywords,release_dates,external_ids,translations
CATALOGUE="--movies 120 --deleted 0"
# shellcheck disable=SC2086
"$PYTHON" "$FAKE" --dump-catalogue $CATALOGUE --dump-append $PARTS >"$TMP/catalogue.jsonl" ||
    bail "fake TMDB cannot dump its catalogue"
# shellcheck disable=SC2086
"$PYTHON" "$FAKE" --dump-ids $CATALOGUE >"$TMP/ids" || bail "fake TMDB cannot list its ids"
mkdir "$TMP/bodies"
"$PYTHON" - "$TMP/catalogue.jsonl" "$TMP/bodies" >"$TMP/body-args" <<'PY' || bail "cannot change bodies"
import json, os, sys
with open(sys.argv[1]) as f:
    bodies = [json.loads(line) for line in f if line.strip()]
out = sys.argv[2]
for k, b in enumerate(bodies[:40]):
    cast = b["credits"]["cast"]
    kind = k % 10
    if kind == 0:
        b["genres"].reverse()
    elif kind == 1:
        b["genres"] = b["genres"][1:]
    elif kind == 2:
        b["production_companies"] += b["production_companies"][:1]
    elif kind == 3:
        b["spoken_languages"] = []
    elif kind == 4 and cast:
        cast[0]["character"] = "Someone else"
        cast.reverse()
    elif kind == 5:
        b["credits"]["crew"] = b["credits"]["crew"][1:]
    elif kind == 6:
        b["keywords"]["keywords"].insert(0, {"id": 999001, "name": "added"})
    elif kind == 7:
        for r in b["release_dates"]["results"][:1]:
            r["release_dates"][0]["note"] = "changed note"
    elif kind == 8:
        t = b["translations"]["translations"]
        if t:
            t[0]["data"]["title"] = "Another title"
            t.reverse()
    elif kind == 9 and cast:
        cast.append(dict(cast[0]))
    b.pop("deleted", None)
    path = os.path.join(out, "%d.json" % b["id"])
    with open(path, "w") as f:
        json.dump(b, f, ensure_ascii=False)
    print("--body-file=%d:%s" % (b["id"], path))
PY

# Every row the movies own, every column, in a fixed order.
owned() {
    sqlite3 -batch -noheader "$1" "
SELECT 'g', * FROM movie_genres ORDER BY 2, 3; SELECT 'c', * FROM movie_companies ORDER BY 2, 3;
SELECT 'n', * FROM movie_countries ORDER BY 2, 3; SELECT 'l', * FROM movie_languages ORDER BY 2, 3;
SELECT 'ca', * FROM movie_cast ORDER BY 2, 3; SELECT 'cr', * FROM movie_crew ORDER BY 2, 3;
SELECT 'k', * FROM movie_keywords ORDER BY 2, 3; SELECT 'r', * FROM release_dates ORDER BY 2, 3, 4;
SELECT 'x', * FROM external_ids ORDER BY 2; SELECT 't', * FROM translations ORDER BY 2, 3, 4;
SELECT 'f', rowid, * FROM movies_fts ORDER BY 2;"
}
load() { INGEST_STDIN=$TMP/ids run_ingest ids - --append $PARTS --rate 0; }
fresh() { # fresh NAME: a first load into a new database, its rows into $TMP/NAME
    keep=$DB
    DB=$TMP/$1.sqlite3
    load
    DB=$keep
    owned "$TMP/$1.sqlite3" >"$TMP/$1"
}

# shellcheck disable=SC2086
start_fake $CATALOGUE
load
is "$RC" 0 "a first load exits 0"
fresh first
owned "$DB" >"$TMP/loaded"
cmp -s "$TMP/loaded" "$TMP/first" && [ "$(grep -c '^ca|' "$TMP/first")" -gt 100 ]
ok $? "two first loads agree, and the catalogue has credits"

# shellcheck disable=SC2046,SC2086
start_fake $CATALOGUE $(cat "$TMP/body-args")
load
is "$RC" 0 "a reload of 40 changed bodies exits 0"
fresh changed
owned "$DB" >"$TMP/reloaded"
cmp -s "$TMP/reloaded" "$TMP/changed"
ok $? "its rows are those of a first load of the changed bodies" ||
    diag "$(diff "$TMP/reloaded" "$TMP/changed" | head -5)"
changes=$(diff "$TMP/first" "$TMP/changed" | grep -c "^[<>]")
diag "$changes rows differ"
[ "$changes" -gt 40 ] && [ "$(wc -l <"$TMP/body-args")" -eq 40 ]
ok $? "and the changes reached the rows (the comparison is not of equals)"

# shellcheck disable=SC2086
start_fake $CATALOGUE
load
is "$RC" 0 "a reload of the catalogue again exits 0"
owned "$DB" >"$TMP/reloaded"
cmp -s "$TMP/reloaded" "$TMP/first"
ok $? "its rows are those of the first load" ||
    diag "$(diff "$TMP/reloaded" "$TMP/first" | head -5)"
is "$(sql 'PRAGMA foreign_key_check')" "" "every link names a stored row"

figures() { sql 'SELECT id, popularity, vote_count FROM movies ORDER BY id'; }
index_data() { sql 'SELECT id, hex(block) FROM movies_fts_data ORDER BY id' | cksum; }
figures >"$TMP/figures"
index_before=$(index_data)
curl -s -X POST "$FAKE_URL/__next_day" >/dev/null
load
moved=$(figures | diff - "$TMP/figures" | grep -c '^<')
like "$RC:$moved" "^0:1([01][0-9]|20)\$" "a day later: the reload exits 0, and (nearly) every movie's figures moved"
owned "$DB" >"$TMP/reloaded"
cmp -s "$TMP/reloaded" "$TMP/first"
ok $? "the rows the movies own are those of the first load" ||
    diag "$(diff "$TMP/reloaded" "$TMP/first" | head -5)"
is "$(index_data)" "$index_before" "and the search index was left alone: no text changed"
done_testing
