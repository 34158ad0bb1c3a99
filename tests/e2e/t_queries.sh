#!/bin/sh
# Every example query in sql/queries/ and every view answers what the
# fake served: a list is loaded with its credits and keywords, a few movies
# are then marked deleted, and tests/e2e/check_queries.py computes each
# answer on its own from the fake's catalogue and compares. The full-text
# index holds every movie's text, and finds Korean two-syllable words.
. "$(dirname "$0")/lib.sh"

QUERIES=$(ls "$ROOT"/sql/queries/*.sql)
n_queries=$(echo "$QUERIES" | wc -l)
# The views of a new database; the test database must have the same ones.
VIEWS=$(sqlite3 -batch :memory: ".read '$ROOT/sql/schema.sql'" ".read '$ROOT/sql/views.sql'" \
    "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")
n_views=$(echo "$VIEWS" | wc -l)
plan $((n_queries + n_views + 12))

CATALOGUE="--movies 240 --deleted 4"
# shellcheck disable=SC2086
start_fake $CATALOGUE
# shellcheck disable=SC2086
"$PYTHON" "$FAKE" --dump-catalogue $CATALOGUE --dump-append credits,keywords --language ko-KR \
    >"$TMP/catalogue.jsonl" || bail "fake TMDB cannot dump its catalogue"
run_ingest list now_playing --pages all --append credits,keywords --language ko-KR --rate 0
is "$RC" 0 "the list loads (its 4 deleted movies are 404s)"

# Mark five stored movies deleted, as a later export would: the queries leave them out.
deleted=$(sql "SELECT group_concat(id, ' ') FROM (SELECT id FROM movies ORDER BY id LIMIT 5)")
sql "UPDATE movies SET deleted_at = '2026-11-24T03:00:00Z'
      WHERE id IN ($(echo "$deleted" | tr ' ' ','))"

check() { # check KIND NAME JSON_FILE
    "$PYTHON" "$ROOT/tests/e2e/check_queries.py" "$TMP/catalogue.jsonl" "$deleted" "$@"
}

for f in "$ROOT"/sql/queries/*.sql; do
    name=$(basename "$f" .sql)
    sqlite3 -batch -json "$DB" <"$f" >"$TMP/$name.json" 2>"$TMP/$name.err"
    out=$(cat "$TMP/$name.err"; check query "$name" "$TMP/$name.json")
    ok $? "query $name answers what the catalogue says"
    diag "$out"
done

is "$(sql "SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")" "$VIEWS" \
    "the database has the views of schema.sql and views.sql"
for v in $VIEWS; do
    sqlite3 -batch -json "$DB" "SELECT * FROM $v" >"$TMP/$v.json" 2>"$TMP/$v.err"
    out=$(cat "$TMP/$v.err"; check view "$v" "$TMP/$v.json")
    ok $? "view $v answers what the catalogue says"
    diag "$out"
done

# The checker itself fails a wrong answer: the top revenues with ASC for DESC.
sed 's/ORDER BY revenue DESC, id/ORDER BY revenue, id/' \
    "$ROOT/sql/queries/top_revenue_per_year.sql" | sqlite3 -batch -json "$DB" >"$TMP/wrong.json"
check query top_revenue_per_year "$TMP/wrong.json" >/dev/null
is "$?" 1 "a wrong query fails the comparison"

# The full-text index equals the text of every movie, and finds Korean.
is "$(sql "SELECT count(*) FROM movies_fts f JOIN movie_search_text t ON t.id = f.rowid
            WHERE (f.title, f.original_title, f.overview, f.tagline, f.keywords)
               IS (t.title, t.original_title, t.overview, t.tagline, t.keywords)")" \
    "$(sql 'SELECT count(*) FROM movies')" "movies_fts holds every movie's text"
is "$(sql "INSERT INTO movies_fts (movies_fts) VALUES ('integrity-check'); SELECT 'ok'")" ok \
    "movies_fts passes its integrity check"
want=$("$PYTHON" -c '
import json, sys
ids = [m["id"] for m in map(json.loads, open(sys.argv[1])) if not m.get("deleted")
       and "살인의 추억" in m["title"] + m["overview"]]
print(len(ids))' "$TMP/catalogue.jsonl")
is "$(sql "SELECT count(*) FROM movies_fts WHERE movies_fts MATCH '\"살인의 추억\"'")" "$want" \
    "a Korean phrase is found through the trigram index"
want=$("$PYTHON" -c '
import json, sys
n = 0
for m in map(json.loads, open(sys.argv[1])):
    text = [m["title"], m["original_title"], m["overview"], m["tagline"]]
    text += [k["name"] for k in m["keywords"]["keywords"]]
    n += not m.get("deleted") and any("괴물" in t for t in text if t)
print(n)' "$TMP/catalogue.jsonl")
[ "$want" -gt 0 ]
ok $? "the catalogue has movies with 괴물 ($want)"
is "$(sql "SELECT count(*) FROM movies_fts WHERE +title LIKE '%괴물%' OR +original_title LIKE '%괴물%'
             OR +overview LIKE '%괴물%' OR +tagline LIKE '%괴물%' OR +keywords LIKE '%괴물%'")" \
    "$want" "a two-syllable word is found in the index's text"

# The README's example queries (its ```sql block) run, each reads the tables
# once (a subquery per row took minutes at 100,000 movies), and the highest
# grossing movie per genre is the catalogue's: live movies, revenue 0 left out.
sed -n '/^Example queries:$/,/^## /p' "$ROOT/README.md" | sed -n '/^```sql$/,/^```$/p' |
    sed '/^```/d' >"$TMP/readme.sql"
sqlite3 -batch -bail "$DB" <"$TMP/readme.sql" >/dev/null 2>"$TMP/readme.err"
is "$?:$(cat "$TMP/readme.err")" "0:" "the README's example queries run as written"
plans=$(sed '/^--/d' "$TMP/readme.sql" |
    awk -v RS=';' 'NF { print "EXPLAIN QUERY PLAN " $0 ";" }' | sqlite3 -batch -bail "$DB")
like "$?:$(echo "$plans" | grep -c '^QUERY PLAN')" "^0:4$" "the README has four example queries"
unlike "$plans" "CORRELATED" "no README example query runs a subquery per row"
sed -n '/^-- highest-grossing movie per genre/,/;$/p' "$TMP/readme.sql" |
    sqlite3 -batch -json "$DB" >"$TMP/readme_genre.json"
"$PYTHON" -c '
import json, sys
gone = {int(i) for i in sys.argv[2].split()}
best = {}
for m in map(json.loads, open(sys.argv[1])):
    if m.get("deleted") or m["id"] in gone or m["revenue"] <= 0:
        continue
    for g in {g["id"]: g for g in reversed(m["genres"])}.values():
        top = best.setdefault(g["id"], [0, []])
        if m["revenue"] > top[0]:
            top[:] = [m["revenue"], []]
        if m["revenue"] == top[0]:
            top[1].append((g["name"], m["title"], m["revenue"]))
want = sorted(row for _, rows in best.values() for row in rows)
body = open(sys.argv[3]).read().strip()
got = sorted((r["name"], r["title"], r["revenue"]) for r in json.loads(body or "[]"))
print(len(got), len(want))
sys.exit(0 if got == want and want else 1)' "$TMP/catalogue.jsonl" "$deleted" "$TMP/readme_genre.json"
ok $? "the README's highest-grossing movie per genre is the catalogue's"

done_testing
