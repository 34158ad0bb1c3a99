#!/bin/sh
# A database made by schema version 1 (tmdb-ingest 0.1) is upgraded in place
# on first open, through every version since: nothing is lost, the new
# columns and tables exist, the old movies are in the full-text index, the
# schema is exactly a new database's, and the next load works. An upgrade
# that fails (a column the user added to a table under the name a
# migration adds) leaves the database as it was, its rows and version,
# naming the migration and SQLite's reason.
# tests/fixtures/schema_v1.sql is version 1's schema; t_schema_upgrade_v2.sh
# upgrades a version 2 database.
. "$(dirname "$0")/lib.sh"
plan 49

sqlite3 "$DB" <<SQL
.read '$ROOT/tests/fixtures/schema_v1.sql'
PRAGMA user_version = 1;
INSERT INTO meta VALUES ('language', 'ko-KR'), ('created_at', '2026-01-01T00:00:00Z');
INSERT INTO genres VALUES (18, '드라마');
INSERT INTO movies (id, title, raw_json, language, fetched_at, revenue)
     VALUES (496243, '기생충', '{"id":496243}', 'ko-KR', '2026-01-01T00:00:00Z', 262000000);
INSERT INTO movie_genres VALUES (496243, 18, 0);
INSERT INTO runs (started_at, finished_at, command, source, status, fetched)
     VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'tmdb-ingest ids 496243',
             'ids 496243', 'ok', 1);
SQL

# A copy with a second hard link: reading it needs the upgrade, which
# refuses the second name; said so, not that a load is running on it.
cp "$DB" "$TMP/linked.sqlite3"
ln "$TMP/linked.sqlite3" "$TMP/linked2.sqlite3"
DB=$TMP/linked.sqlite3 run_ingest stats
like "$RC:$(printf '%s\n' "$ERR" | grep 'error:')" "^1:.*has 2 hard links.* \(its schema needs an upgrade first\)" \
    "stats on an old database with two names: exit 1, why (after the warning every read through a second name has)"
unlike "$ERR" "a load running on it" "no word of a load that is not there"

start_fake --movies 10 --deleted 0
ids=$(catalogue_ids 2 --movies 10 --deleted 0)
cp "$DB" "$TMP/added.sqlite3"
sqlite3 "$TMP/added.sqlite3" "ALTER TABLE movies ADD COLUMN appended TEXT"
DB=$TMP/added.sqlite3 run_ingest ids $ids --rate 0
like "$RC:$ERR" "^1:.*added\.sqlite3: upgrade the schema to version 2: duplicate column name: appended" \
    "an upgrade that fails: exit 1, naming the migration and why"
is "$(sqlite3 "$TMP/added.sqlite3" "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('movies') WHERE name = 'deleted_at'; SELECT title FROM movies")" \
    "$(printf '1\n0\n기생충')" "rolled back: still version 1, without the column the migration added first, its movie kept"
DB=$TMP/added.sqlite3 run_ingest stats
like "$RC:$ERR" "^1:.*upgrade the schema to version 2: duplicate column name" \
    "stats, which upgrades it first: exit 1, the same reason"
run_ingest ids $ids --rate 0
is "$RC" 0 "a load into a version 1 database succeeds"
is "$(sql 'PRAGMA user_version')" 8 "schema upgraded to version 8"
is "$(sql "SELECT title || '|' || revenue || '|' || fetched_at FROM movies WHERE id = 496243")" \
    "기생충|262000000|2026-01-01T00:00:00Z" "the old movie row is intact"
is "$(sql 'SELECT count(*) FROM movie_genres WHERE movie_id = 496243')" 1 "its links are intact"
is "$(sql 'SELECT count(*) FROM runs')" 2 "old run kept, new run added"
is "$(sql 'SELECT count(*) FROM movies WHERE deleted_at IS NULL')" 3 "deleted_at exists, NULL for all"
is "$(sql "SELECT count(*) FROM sqlite_schema WHERE name IN ('movie_cast', 'movie_crew', 'keywords', 'people', 'stale_copies', 'movie_parts')")" \
    6 "tables of the new versions exist"
is "$(sql "SELECT rowid FROM movies_fts WHERE movies_fts MATCH '\"기생충\"'")" 496243 \
    "the old movie is in the full-text index"
upgraded=$DB
DB=$TMP/new.sqlite3
run_ingest ids $ids --rate 0
DB=$upgraded
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "the upgraded schema equals a new database's (columns in the same order)"
is "$(sql 'PRAGMA integrity_check')" ok "integrity_check ok"

# Each older version below is made from the upgraded database: what
# version 8 added dropped first ($BEFORE_V8), then what the version's own
# migration adds. Version 7 is version 8 without runs.exit_status and
# runs.error (sql/migrations/8.sql): the runs stored before keep NULL in
# both (what they exited with was never recorded); the next run records
# its own.
BEFORE_V8="ALTER TABLE runs DROP COLUMN error; ALTER TABLE runs DROP COLUMN exit_status;"
DB=$TMP/v7.sqlite3
cp "$upgraded" "$DB"
sql "$BEFORE_V8 DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 7"
run_ingest ids $ids --rate 0
is "$RC:$(sql 'PRAGMA user_version')" 0:8 "a version 7 database: a load upgrades it to version 8"
is "$(sql "SELECT group_concat(coalesce(exit_status, 'null') || '/' || coalesce(error, 'null'), ' ') FROM (SELECT * FROM runs ORDER BY id)")" \
    "null/null null/null 0/null" "exit_status and error: NULL for the runs of version 7, the new run's recorded"
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "and its schema equals a new database's"

# Version 5 is version 6 without movie_parts (sql/migrations/6.sql): the
# parts each movie's last fetch carried (movies.appended) get that fetch's
# time; rows kept from earlier fetches get none (never recorded). Its view
# movie_credits did not read movie_parts: the older versions below drop it
# with the table (an ALTER TABLE would refuse a view of a missing table),
# and their upgrade makes it again.
DB=$TMP/v5.sqlite3
cp "$upgraded" "$DB"
sql "$BEFORE_V8 DROP VIEW movie_credits; DROP TABLE movie_parts; UPDATE movies SET appended = 'credits,keywords' WHERE id = 496243;
     DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 5"
run_ingest stats
is "$RC:$(sql 'PRAGMA user_version')" 0:8 "a version 5 database: stats upgrades it to version 8"
unlike "$ERR" "upgrading" "no terminal (cron): nothing said of the upgrade"
# On a terminal the wait is said on the progress line, then erased.
cp "$upgraded" "$TMP/v5tty.sqlite3"
sqlite3 "$TMP/v5tty.sqlite3" "$BEFORE_V8 DROP VIEW movie_credits; DROP TABLE movie_parts; DELETE FROM meta WHERE key = 'schema_digest';
    PRAGMA user_version = 5"
script -qec "\"$BIN\" --db \"$TMP/v5tty.sqlite3\" stats" /dev/null </dev/null >"$TMP/tty" 2>&1
like "$(tr '\r\n' '  ' <"$TMP/tty")" "v5tty.sqlite3: upgrading the schema to version 8 \(once\) \.\.\..*Movies +3 stored" \
    "on a terminal: the upgrade is said while it runs, and stats follows"
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "and its schema equals a new database's"
is "$(sql "SELECT group_concat(movie_id || ':' || part || ':' || fetched_at, ' ') FROM (SELECT * FROM movie_parts ORDER BY part)")" \
    "496243:credits:2026-01-01T00:00:00Z 496243:keywords:2026-01-01T00:00:00Z" \
    "movie_parts: each part its last fetch carried, at that fetch's time"
is "$(sql 'PRAGMA foreign_key_check' | wc -l | tr -d ' ')" 0 "no dangling reference"

# Version 6 is version 7 with movies_fetched_at of two columns
# (sql/migrations/7.sql): the upgrade builds it again with adult and
# deleted_at, so that an export's question of every stored movie is read
# from the index, not from each row's overflow pages.
DB=$TMP/v6.sqlite3
cp "$upgraded" "$DB"
sql "$BEFORE_V8 DROP INDEX movies_fetched_at; CREATE INDEX movies_fetched_at ON movies (fetched_at, appended);
     DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 6"
run_ingest stats
is "$RC:$(sql 'PRAGMA user_version')" 0:8 "a version 6 database: stats upgrades it to version 8"
is "$(sql "EXPLAIN QUERY PLAN SELECT id, fetched_at < '2026' FROM movies WHERE deleted_at IS NULL AND (adult = 0 OR 1)" | grep -c 'COVERING INDEX movies_fetched_at')" \
    1 "an export's question of every movie reads the index alone"
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "and its schema equals a new database's"

# Version 4 is version 5 without movies.copy_made_at and its index
# (sql/migrations/5.sql): such a database is upgraded on first open, its
# rows kept; the copy times of the movies it held are unknown (NULL, which
# counts as their fetch), those of the movies fetched from then on stored.
# Its movies were fetched before the upgrade (a copy served now is not
# older than their unknown one, which a fetch minutes ago would make it).
DB=$TMP/v4.sqlite3
cp "$upgraded" "$DB"
sql "$BEFORE_V8 DROP VIEW movie_credits; DROP TABLE movie_parts;
     DROP INDEX movies_copy_made; ALTER TABLE movies DROP COLUMN copy_made_at;
     DROP TABLE stale_copies;
     CREATE TABLE stale_copies (movie_id INTEGER PRIMARY KEY, needed_from TEXT NOT NULL,
                                copy_made_at TEXT NOT NULL) STRICT;
     INSERT INTO stale_copies VALUES (7, '2026-01-02T00:00:00Z', '2026-01-01T20:00:00Z');
     UPDATE movies SET fetched_at = '2026-01-01T00:00:00Z';
     DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 4"
v4=$TMP/v4orig.sqlite3
cp "$DB" "$v4"
run_ingest ids $ids 496243 --rate 0
is "$RC:$(sql 'PRAGMA user_version'):$(sql 'SELECT count(*) FROM movies')" "0:8:3" \
    "a version 4 database: a load upgrades it to version 8, movies kept"
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "and its schema equals a new database's"
is "$(sql "SELECT id || ':' || (copy_made_at IS NULL) FROM movies WHERE id = 496243 OR copy_made_at < fetched_at ORDER BY id")" \
    "$(printf '%s:0\n' $ids | sort -n)
496243:1" "copy_made_at: NULL for the movie of version 4 (the fake no longer has it), a copy's time for those fetched"
is "$(sql "SELECT movie_id || '|' || needed_from || '|' || copy_made_at || '|' || noted_at FROM stale_copies")" \
    "7|2026-01-02T00:00:00Z|2026-01-01T20:00:00Z|2026-01-02T00:00:00Z" \
    "stale_copies rebuilt (copy_made_at may be NULL: a failed fetch), its note kept, noted_at its need"
is "$(sql "SELECT \"notnull\" FROM pragma_table_info('stale_copies') WHERE name = 'copy_made_at'")" 0 \
    "stale_copies.copy_made_at takes NULL"
is "$(sql "SELECT count(*) FROM movies WHERE copy_made_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'")" \
    0 "stored as ISO-8601 UTC text, as fetched_at"
# merge copies the new column: into a new database, and once more (a
# database merged with the same input again keeps what it has).
rm -f "$TMP/merged5.sqlite3"
"$BIN" merge "$TMP/merged5.sqlite3" "$DB" "$DB" 2>"$TMP/err"
is "$?" 0 "an upgraded version 4 database merged (twice) into a new one: exit 0"
is "$(sqlite3 "$TMP/merged5.sqlite3" "SELECT group_concat(id || ':' || coalesce(copy_made_at, 'null'), ' ') FROM (SELECT * FROM movies ORDER BY id)")" \
    "$(sql "SELECT group_concat(id || ':' || coalesce(copy_made_at, 'null'), ' ') FROM (SELECT * FROM movies ORDER BY id)")" \
    "the merged movies keep their copy times, unknown ones unknown"
"$BIN" merge "$TMP/merged5.sqlite3" "$v4" 2>"$TMP/err"
rc=$?
like "$rc:$(cat "$TMP/err")" "^2:.*v4orig.sqlite3: schema version 4, not 8 \(a load or 'tmdb-ingest stats' on it upgrades it\)" \
    "an input of version 4 is refused (exit 2): upgrade it first"
# A view of the user's that reads stale_copies does not stop the upgrade,
# which makes that table anew (before, renaming the new table failed it:
# "error in view waiting: no such table: main.stale_copies", every command
# exit 1 until the view was dropped), and reads the rebuilt table.
cp "$v4" "$TMP/v4view.sqlite3"
sqlite3 "$TMP/v4view.sqlite3" "CREATE VIEW waiting AS SELECT movie_id, needed_from FROM stale_copies"
DB=$TMP/v4view.sqlite3 run_ingest stats
is "$RC:$(sqlite3 "$TMP/v4view.sqlite3" 'PRAGMA user_version')" 0:8 \
    "a version 4 database with a view of the user's on stale_copies: upgraded"
is "$(sqlite3 "$TMP/v4view.sqlite3" "SELECT movie_id || '|' || needed_from FROM waiting")" \
    "7|2026-01-02T00:00:00Z" "the view reads the rebuilt table, its note kept"

# Version 3 is version 4 without stale_copies and runs.uid
# (sql/migrations/4.sql): such a database is upgraded on first open, its
# rows kept.
DB=$TMP/v3.sqlite3
cp "$upgraded" "$DB"
sql "$BEFORE_V8 DROP VIEW movie_credits; DROP TABLE movie_parts; DROP TABLE stale_copies; DROP INDEX runs_uid; ALTER TABLE runs DROP COLUMN uid;
     DROP INDEX movies_copy_made; ALTER TABLE movies DROP COLUMN copy_made_at;
     UPDATE movies SET fetched_at = '2026-01-01T00:00:00Z';
     DELETE FROM meta WHERE key = 'schema_digest'; PRAGMA user_version = 3"
cp "$DB" "$TMP/v3copy.sqlite3"
run_ingest ids $ids --rate 0
is "$RC:$(sql 'PRAGMA user_version'):$(sql 'SELECT count(*) FROM movies')" "0:8:3" \
    "a version 3 database: a load upgrades it to version 8, movies kept"
is "$(schema_shape "$DB")" "$(schema_shape "$TMP/new.sqlite3")" \
    "and its schema equals a new database's"
is "$(sql 'SELECT count(*) FROM stale_copies')" 0 "stale_copies exists, empty"
is "$(sql "SELECT group_concat(coalesce(length(uid), 'none'), ' ') FROM (SELECT uid FROM runs ORDER BY id)")" \
    "none none 32" "runs.uid exists: none for the runs of version 3, one for the new run"
# A copy of the same version 3 database, upgraded apart (by stats), and
# both merged: their common runs have no uid and are matched by start and
# command, as before version 4, so none is kept twice (uids made up by the
# upgrade would differ between the copies).
DB=$TMP/v3copy.sqlite3 run_ingest stats
is "$RC:$(sqlite3 "$TMP/v3copy.sqlite3" 'PRAGMA user_version')" 0:8 "the copy: stats upgrades it"
"$BIN" merge "$TMP/merged.sqlite3" "$TMP/v3copy.sqlite3" "$DB" 2>/dev/null
is "$?" 0 "both copies merged: exit 0"
is "$(sqlite3 "$TMP/merged.sqlite3" 'SELECT count(*) FROM runs')" 3 \
    "3 runs: the two of version 3 once, and the new one"
# Years of runs from before version 4 (20,000: a few shards' nightly and
# hourly runs), merged again: each is matched by start and command in time
# that grows with the runs, not with their square (each input run searched
# all the uid-less runs here: over 10 s for these), and none is doubled.
sqlite3 "$TMP/v3copy.sqlite3" "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO runs (started_at, finished_at, command, source, status)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2020-01-01T02:30:00Z', printf('+%d hours', i)),
       strftime('%Y-%m-%dT%H:%M:%SZ', '2020-01-01T02:31:00Z', printf('+%d hours', i)),
       'tmdb-ingest --db tmdb.sqlite3 changes', 'changes', 'ok' FROM n" || bail "could not insert"
"$BIN" merge "$TMP/merged.sqlite3" "$TMP/v3copy.sqlite3" 2>/dev/null
timeout 10 "$BIN" merge "$TMP/merged.sqlite3" "$TMP/v3copy.sqlite3" 2>/dev/null
is "$?:$(sqlite3 "$TMP/merged.sqlite3" 'SELECT count(*) FROM runs')" 0:20003 \
    "20,000 runs of version 3, merged again: within 10 s, none doubled"

# A database whose upgrade would leave a table without a column this
# version's statements name (an unreleased build's, whose version number a
# release reused: stale_copies without noted_at, said version 7): not
# upgraded, exit 1, still version 7 and whole, readable by the binary that
# made it; before, it was committed as version 8, which every command then
# refused ("prepare statement 41"), and the older binary too, as newer.
"$BIN" --db "$TMP/odd.sqlite3" --no-progress ids 1 2 --rate 0 >/dev/null 2>&1
sqlite3 "$TMP/odd.sqlite3" "ALTER TABLE runs DROP COLUMN error; ALTER TABLE runs DROP COLUMN exit_status;
    ALTER TABLE stale_copies DROP COLUMN noted_at; PRAGMA user_version = 7" || bail "could not shape it"
"$BIN" --db "$TMP/odd.sqlite3" stats >/dev/null 2>"$TMP/odd.err"
is "$?:$(sqlite3 "$TMP/odd.sqlite3" 'PRAGMA user_version')" "1:7" \
    "an upgrade the statements do not fit: exit 1, the database still version 7"
like "$(cat "$TMP/odd.err")" "statement [0-9]+ does not fit the schema the upgrade made, which is not kept" \
    "saying so"
is "$(sqlite3 "$TMP/odd.sqlite3" 'PRAGMA integrity_check; SELECT count(*) FROM runs')" "ok
1" "and whole"

done_testing
