#!/bin/sh
# A database made by schema version 2 is upgraded to version 8 in place on
# first open: every row of every table is kept, shared rows get an
# updated_at, the full-text index is filled from the old movies (keywords
# from their rows or from raw_json, as the last fetch had them), and the
# schema is exactly a new database's. tests/fixtures/schema_v2.sql is
# version 2's schema. merge reads its inputs only: one of version 2, first
# or later, is a usage error saying how to upgrade it, and is left as it was.
. "$(dirname "$0")/lib.sh"
plan 19

sqlite3 "$DB" <<SQL
.read '$ROOT/tests/fixtures/schema_v2.sql'
PRAGMA user_version = 2;
INSERT INTO meta VALUES ('language', 'ko-KR'), ('created_at', '2026-01-01T00:00:00Z'),
                        ('changes_from', '2026-01-02');
INSERT INTO collections VALUES (10, '괴물 컬렉션', '/c.jpg', NULL);
INSERT INTO genres VALUES (18, '드라마'), (27, '공포');
INSERT INTO companies VALUES (7505, 'CJ Entertainment', NULL, 'KR');
INSERT INTO countries VALUES ('KR', 'South Korea');
INSERT INTO languages VALUES ('ko', 'Korean', '한국어/조선말');
INSERT INTO people VALUES (20738, '송강호', '송강호', 2, 'Acting', NULL, 0, 15.5),
                          (21684, '봉준호', '봉준호', 2, 'Directing', '/b.jpg', 0, 9.1);
INSERT INTO keywords VALUES (290000, '괴물'), (290003, '반지하');
-- 1: fetched with keywords (raw_json holds them); 2: keywords left by an earlier fetch.
INSERT INTO movies (id, title, original_title, overview, tagline, release_date, revenue,
                    collection_id, raw_json, language, fetched_at, appended)
     VALUES (1255, '괴물', '괴물', '한강에서 나타난 괴물이 딸을 잡아간다.', NULL, '2006-07-27',
             89000000, 10,
             '{"id":1255,"keywords":{"keywords":[{"id":290000,"name":"괴물"}]}}',
             'ko-KR', '2026-01-01T00:00:00Z', 'credits,keywords'),
            (496243, '기생충', 'Parasite', NULL, '상상도 못한 정체', '2019-05-30',
             262000000, NULL, '{"id":496243}', 'ko-KR', '2026-01-01T00:00:00Z', NULL);
UPDATE movies SET deleted_at = '2026-01-03T00:00:00Z' WHERE id = 1255;
INSERT INTO movie_genres VALUES (1255, 27, 0), (1255, 18, 1), (496243, 18, 0);
INSERT INTO movie_companies VALUES (496243, 7505, 0);
INSERT INTO movie_countries VALUES (496243, 'KR', 0);
INSERT INTO movie_languages VALUES (496243, 'ko', 0);
INSERT INTO movie_cast VALUES (1255, 'c1', 20738, '박강두', 0, 1),
                              (496243, 'c2', 20738, '기택', 0, 3);
INSERT INTO movie_crew VALUES (1255, 'c3', 21684, 'Directing', 'Director');
INSERT INTO movie_keywords VALUES (1255, 290000, 0), (496243, 290003, 0);
INSERT INTO release_dates VALUES (496243, 'KR', 0, '2019-05-30T00:00:00.000Z', 3, '15', NULL, NULL);
INSERT INTO external_ids VALUES (496243, 'tt6751668', 'Q47484519', NULL, NULL, NULL);
INSERT INTO translations VALUES (496243, 'en', 'US', 'English', 'English', 'Parasite', NULL,
                                 NULL, NULL, 132);
INSERT INTO runs (started_at, finished_at, command, source, status, fetched)
     VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'tmdb-ingest ids 1255 496243',
             'ids 1255 496243', 'ok', 2);
INSERT INTO fetch_failures VALUES (1, 9, 'missing', 404, 'HTTP 404', 1, '2026-01-01T00:00:30Z');
SQL

# Every row of every version 2 table, in version 2's columns (runs and
# failures of the first run only: the upgrading run adds its own).
sqlite3 "$TMP/v2.sqlite3" ".read '$ROOT/tests/fixtures/schema_v2.sql'"
v2_rows() {
    for t in $(sqlite3 -batch "$TMP/v2.sqlite3" \
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"); do
        cols=$(sqlite3 -batch "$TMP/v2.sqlite3" \
            "SELECT group_concat(name, ', ') FROM pragma_table_info('$t')")
        case $t in
        runs) where="WHERE id = 1" ;;
        fetch_failures) where="WHERE run_id = 1" ;;
        # schema_digest: added by every set-up; movie_parts_*: by the
        # upgrade to version 6 when it makes movie_parts rows (a dump since
        # a run from before it sends them all: t_dump.sh)
        meta) where="WHERE key NOT IN ('schema_digest', 'movie_parts_after_run', 'movie_parts_made_at')" ;;
        *) where= ;;
        esac
        sqlite3 -batch "$1" "SELECT '$t', $cols FROM $t $where ORDER BY $cols"
    done
}
before=$(v2_rows "$DB")

start_fake --movies 10 --deleted 0
run_ingest ids 424242 --rate 0 # not in the catalogue: a 404, nothing stored
is "$RC" 0 "a run on a version 2 database succeeds"
is "$(sql 'PRAGMA user_version')" 8 "schema upgraded to version 8"
is "$(v2_rows "$DB")" "$before" "every row of every version 2 table is intact"
# (the last write it records: movie 1255's deletion; t_merge_upgraded_shard_keeps_newer_shared_rows.sh)
is "$(sql "SELECT count(*) FROM genres WHERE updated_at = '2026-01-03T00:00:00Z'")" 2 \
    "old shared rows are dated at the database's last recorded write"
is "$(sql "SELECT (SELECT count(*) FROM people WHERE updated_at IS NULL)
                + (SELECT count(*) FROM keywords WHERE updated_at IS NULL)")" 0 \
    "people and keywords too"

is "$(sql "SELECT rowid FROM movies_fts WHERE movies_fts MATCH '\"기생충\"'")" 496243 \
    "the old movies are in the full-text index"
is "$(sql "SELECT keywords FROM movies_fts WHERE rowid = 496243")" 반지하 \
    "with keywords from the rows an earlier fetch left"
is "$(sql "SELECT keywords FROM movies_fts WHERE rowid = 1255")" 괴물 \
    "or from raw_json, when the last fetch had them"
is "$(sql "SELECT group_concat(rowid) FROM movies_fts WHERE overview LIKE '%괴물이%'")" 1255 \
    "Korean inside an old overview is found"
is "$(sql "SELECT title || '|' || genres || '|' || deleted FROM movie_details WHERE id = 1255")" \
    "괴물|공포, 드라마|1" "the views read the old rows"

ids=$(catalogue_ids 2 --movies 10 --deleted 0)
run_ingest ids $ids --rate 0 --append keywords
is "$RC" 0 "the next load works"
is "$(sql "SELECT count(*) FROM movies_fts f JOIN movie_search_text t ON t.id = f.rowid
            WHERE (f.title, f.original_title, f.overview, f.tagline, f.keywords)
               IS (t.title, t.original_title, t.overview, t.tagline, t.keywords)")" 4 \
    "the index holds the old movies and the new ones"
is "$(sql "INSERT INTO movies_fts (movies_fts) VALUES ('integrity-check'); SELECT 'ok'")" ok \
    "movies_fts passes its integrity check"

# A new database made by this binary has exactly the upgraded schema.
upgraded=$DB
DB=$TMP/new.sqlite3
run_ingest ids 424242 --rate 0
DB=$upgraded
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "the upgraded schema equals a new database's (columns in the same order)"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

sqlite3 "$TMP/old.sqlite3" ".read '$ROOT/tests/fixtures/schema_v2.sql'" "PRAGMA user_version = 2" \
    "INSERT INTO meta VALUES ('language', 'ko-KR'), ('created_at', '2026-01-01T00:00:00Z')"
old_sum=$(cksum <"$TMP/old.sqlite3")
for inputs in "old" "new old"; do
    args=
    for i in $inputs; do args="$args $TMP/$i.sqlite3"; done
    # shellcheck disable=SC2086
    "$BIN" merge "$TMP/out-$(echo $inputs | tr ' ' -).sqlite3" $args 2>"$TMP/err"
    rc=$?
    if [ "$rc" = 2 ] && grep -q "old.sqlite3: schema version 2, not 8 (a load or 'tmdb-ingest stats' on it upgrades it)" "$TMP/err"; then
        ok 0 "merge $inputs: a version 2 input is a usage error (exit 2) saying how to upgrade it"
    else
        ok 1 "merge $inputs: a version 2 input is a usage error (exit 2) saying how to upgrade it"
        diag "rc=$rc stderr: $(cat "$TMP/err")"
    fi
done
is "$(cksum <"$TMP/old.sqlite3")" "$old_sum" "merge left the old input as it was"
run_ingest --db "$TMP/old.sqlite3" -v stats
like "$ERR" "upgrading the schema to version 8" "and stats upgrades it, as the message says"

done_testing
