-- migrations/3.sql - schema version 2 -> 3. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 2
-- (or right after 2.sql, for a version 1 database). Version 3 adds
--   * updated_at to the tables shared between movies, set here for the
--     rows already stored (triggers from schema.sql keep it from then on);
--   * the full-text index movies_fts, its triggers and indexes for the
--     common filters: schema.sql creates them after this file, and fills
--     movies_fts from the stored movies (it fills the index when it is
--     empty and movies are not, which happens once: now).

-- A version 1 database lacks the tables version 2 added (2.sql leaves them
-- to schema.sql, which runs after this file). Create the two altered below
-- exactly as version 2 defined them; schema.sql creates the rest.
CREATE TABLE IF NOT EXISTS people (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    original_name        TEXT,
    gender               INTEGER,
    known_for_department TEXT,
    profile_path         TEXT,
    adult                INTEGER NOT NULL DEFAULT 0 CHECK (adult IN (0, 1)),
    popularity           REAL
) STRICT;
CREATE TABLE IF NOT EXISTS keywords (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- When a row was last written is not known before version 3. The last
-- write the database records (a fetch, a deletion, a run's start or end;
-- a load writes shared rows only while writing a movie, within a run) is
-- the earliest time certainly not before it, so a dump since any earlier
-- moment includes these rows; the upgrade's own time, when the database
-- records none (or a clock ahead of it). Not the upgrade's time always: a
-- merge keeps a shared row's later write (updated_at), and a shard left
-- on version 2 for months, upgraded, would date its months-old rows after
-- every fresher row of the database it is merged into, and replace them
-- (a keyword TMDB renamed since back to its old name). (Added last, as
-- schema.sql declares it: new and upgraded databases have the same column
-- order.)
CREATE TEMP TABLE upgrade_3_written AS
SELECT min(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
           coalesce(max(t), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))) AS at
  FROM (SELECT max(fetched_at) AS t FROM movies UNION ALL
        SELECT max(deleted_at) FROM movies UNION ALL
        SELECT max(started_at) FROM runs UNION ALL
        SELECT max(finished_at) FROM runs);
ALTER TABLE collections ADD COLUMN updated_at TEXT;
ALTER TABLE genres ADD COLUMN updated_at TEXT;
ALTER TABLE companies ADD COLUMN updated_at TEXT;
ALTER TABLE countries ADD COLUMN updated_at TEXT;
ALTER TABLE languages ADD COLUMN updated_at TEXT;
ALTER TABLE people ADD COLUMN updated_at TEXT;
ALTER TABLE keywords ADD COLUMN updated_at TEXT;
UPDATE collections SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE genres SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE companies SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE countries SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE languages SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE people SET updated_at = (SELECT at FROM temp.upgrade_3_written);
UPDATE keywords SET updated_at = (SELECT at FROM temp.upgrade_3_written);
DROP TABLE temp.upgrade_3_written;
