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

-- When a row was last written is not known before version 3. The time of
-- the upgrade is the earliest time certainly not before it, so a dump since
-- any earlier moment includes these rows. (Added last, as schema.sql
-- declares it: new and upgraded databases have the same column order.)
ALTER TABLE collections ADD COLUMN updated_at TEXT;
ALTER TABLE genres ADD COLUMN updated_at TEXT;
ALTER TABLE companies ADD COLUMN updated_at TEXT;
ALTER TABLE countries ADD COLUMN updated_at TEXT;
ALTER TABLE languages ADD COLUMN updated_at TEXT;
ALTER TABLE people ADD COLUMN updated_at TEXT;
ALTER TABLE keywords ADD COLUMN updated_at TEXT;
UPDATE collections SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE genres SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE companies SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE countries SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE languages SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE people SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
UPDATE keywords SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
