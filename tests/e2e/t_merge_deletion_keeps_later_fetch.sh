#!/bin/sh
# A movie fetched in one database (the later fetch) and marked deleted in
# another after an earlier fetch there: merged, in either order, it is the
# later fetch's movie, links and all, marked deleted at the deletion's time,
# as one database that saw the fetches and the deletion in turn holds it.
# (Before, the deleted copy won whole: the movie went back to the earlier
# fetch's title, fetched_at and genres.) A fetch after the deletion still
# brings the movie back.
. "$(dirname "$0")/lib.sh"
plan 9

start_fake --movies 20 --deleted 0
M=$(catalogue_ids 1 --movies 20 --deleted 0)
OLD=$TMP/old.sqlite3 NEW=$TMP/new.sqlite3 ONE=$TMP/one.sqlite3
"$BIN" --db "$OLD" --no-progress -q ids "$M" --rate 0
"$BIN" --db "$ONE" --no-progress -q ids "$M" --rate 0
genres=$(sqlite3 "$OLD" "SELECT count(*) FROM movie_genres WHERE movie_id = $M")
ok "$([ "$genres" -gt 1 ]; echo $?)" "the first fetch links more than one genre ($genres)"
# TMDB changes the movie: another title, one genre fewer.
curl -s -H "Authorization: Bearer $TEST_TOKEN" "$FAKE_URL/3/movie/$M?language=ko-KR" |
    "$PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
d["title"] = "later title"
d["genres"] = d["genres"][:1]
print(json.dumps(d))' >"$TMP/later.json"
sleep 1 # each step a later second
start_fake --movies 20 --deleted 0 --body-file "$M:$TMP/later.json"
"$BIN" --db "$NEW" --no-progress -q ids "$M" --rate 0
"$BIN" --db "$ONE" --no-progress -q ids "$M" --rate 0
sleep 1
# TMDB deletes it: OLD (not NEW) sees the 404.
start_fake --movies 20 --deleted 0 --fault "$M:404:99"
"$BIN" --db "$OLD" --no-progress -q ids "$M" --rate 0 --retries 0
"$BIN" --db "$ONE" --no-progress -q ids "$M" --rate 0 --retries 0
row() {
    sqlite3 "$1" "SELECT title, deleted_at IS NOT NULL, (SELECT count(*) FROM movie_genres
        WHERE movie_id = m.id) FROM movies m WHERE id = $M"
}
is "$(row "$ONE")" "later title|1|1" "one database: the later fetch's movie, marked deleted"

"$BIN" merge "$TMP/a.sqlite3" "$OLD" "$NEW" 2>/dev/null
is "$?" 0 "merge, the deleted copy first: exit 0"
"$BIN" merge "$TMP/b.sqlite3" "$NEW" "$OLD" 2>/dev/null
is "$?" 0 "merge, the later fetch first: exit 0"
for out in a b; do
    is "$(row "$TMP/$out.sqlite3")" "$(row "$ONE")" \
        "merged ($out): the later fetch's title and genres, marked deleted"
done
is "$(sqlite3 "$TMP/a.sqlite3" "SELECT fetched_at || ' ' || deleted_at FROM movies")" \
    "$(sqlite3 "$NEW" "SELECT fetched_at FROM movies") $(sqlite3 "$OLD" "SELECT deleted_at FROM movies")" \
    "its fetched_at is the later fetch's, its deleted_at the deletion's"
"$BIN" merge "$TMP/a.sqlite3" "$OLD" "$NEW" 2>/dev/null
is "$(row "$TMP/a.sqlite3")" "$(row "$ONE")" "merged again: the same"

# A fetch after the deletion brings it back, whatever the order.
sleep 1
start_fake --movies 20 --deleted 0 --body-file "$M:$TMP/later.json"
"$BIN" --db "$NEW" --no-progress -q ids "$M" --rate 0
"$BIN" merge "$TMP/a.sqlite3" "$NEW" 2>/dev/null
is "$(row "$TMP/a.sqlite3")" "later title|0|1" "a fetch after the deletion: live again"

done_testing
