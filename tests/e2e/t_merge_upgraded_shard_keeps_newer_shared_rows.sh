#!/bin/sh
# A shard last loaded by a tmdb-ingest of schema version 2 (months ago),
# upgraded by this one and merged into a database that fetched the same
# rows later, does not replace them with its older ones. merge keeps a
# shared row's later write (updated_at); the upgrade to version 3 dates
# the rows it cannot date at the last write the shard records (its last
# fetch, deletion or run), not at the upgrade: dated at the upgrade, they
# came after every row of the database (fetched before the upgrade), and
# a keyword TMDB renamed since, a person's new name, went back to the
# shard's old ones, without a word. tests/fixtures/schema_v2.sql is
# version 2's schema.
. "$(dirname "$0")/lib.sh"
plan 6

SHARD=$TMP/shard.sqlite3
sqlite3 "$SHARD" <<SQL
.read '$ROOT/tests/fixtures/schema_v2.sql'
PRAGMA user_version = 2;
INSERT INTO meta VALUES ('language', 'ko-KR'), ('created_at', '2026-01-01T00:00:00Z');
INSERT INTO people VALUES (20738, '송강호', '송강호', 2, 'Acting', NULL, 0, 15.5);
INSERT INTO keywords VALUES (290003, '반지하');
INSERT INTO movies (id, title, raw_json, language, fetched_at, appended)
     VALUES (496243, '기생충', '{"id":496243}', 'ko-KR', '2026-01-01T00:00:00Z',
             'credits,keywords');
UPDATE movies SET deleted_at = '2026-01-03T00:00:00Z' WHERE id = 496243;
INSERT INTO movie_cast VALUES (496243, 'c2', 20738, '기택', 0, 3);
INSERT INTO movie_keywords VALUES (496243, 290003, 0);
INSERT INTO runs (started_at, finished_at, command, source, status, fetched)
     VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'tmdb-ingest ids 496243',
             'ids 496243', 'ok', 1);
SQL

# The database: made by this binary, the same rows written in June, with
# the names TMDB gives them since.
start_fake --movies 10 --deleted 0
run_ingest ids 424242 --rate 0 # a 404: the schema, no movie
sql "INSERT INTO people (id, name, original_name, gender, known_for_department, adult,
                         popularity, updated_at)
          VALUES (20738, 'Song Kang-ho', '송강호', 2, 'Acting', 0, 30.1, '2026-06-01T00:00:00Z');
     INSERT INTO keywords (id, name, updated_at)
          VALUES (290003, 'semi-basement', '2026-06-01T00:00:00Z')"

run_ingest --db "$SHARD" stats # the shard's tmdb-ingest upgraded: stats upgrades it
is "$RC:$(sqlite3 "$SHARD" 'PRAGMA user_version')" 0:8 "the shard is upgraded"
is "$(sqlite3 "$SHARD" "SELECT DISTINCT updated_at FROM people UNION SELECT updated_at FROM keywords")" \
    2026-01-03T00:00:00Z "its old shared rows are dated at the last write it records"

"$BIN" merge "$DB" "$SHARD" 2>"$TMP/merge.err"
is "$?" 0 "merge exits 0"
is "$(sql "SELECT name || ' ' || updated_at FROM keywords WHERE id = 290003")" \
    "semi-basement 2026-06-01T00:00:00Z" "the keyword written later is kept"
is "$(sql "SELECT name || ' ' || popularity FROM people WHERE id = 20738")" \
    "Song Kang-ho 30.1" "the person written later is kept"

# A database that records no write at all dates them at the upgrade.
EMPTY=$TMP/empty.sqlite3
sqlite3 "$EMPTY" ".read '$ROOT/tests/fixtures/schema_v2.sql'" "PRAGMA user_version = 2" \
    "INSERT INTO meta VALUES ('language', 'ko-KR'), ('created_at', '2026-01-01T00:00:00Z')" \
    "INSERT INTO genres VALUES (18, '드라마')"
before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run_ingest --db "$EMPTY" stats
is "$(sqlite3 "$EMPTY" "SELECT updated_at >= '$before' FROM genres")" 1 \
    "with no write recorded, the upgrade's time"

done_testing
