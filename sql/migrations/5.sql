-- migrations/5.sql - schema version 4 -> 5. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 4
-- (or after the earlier migrations for older databases). Version 5 adds
--   * movies.copy_made_at, when the copy of TMDB's CDN a movie was stored
--     from was made (the answer's Date), and the partial index
--     movies_copy_made (from schema.sql), which an export reads to keep the
--     changes cursor from passing the oldest copy stored;
--   * failed fetches in stale_copies: copy_made_at may be NULL (the movie
--     could not be fetched at all), and noted_at says since when a movie
--     waits. SQLite cannot drop a NOT NULL constraint, so the table is
--     made anew under its own name, its rows kept aside in a temporary
--     table meanwhile: renaming a new table to stale_copies would fail
--     the upgrade on a view of the user's that reads stale_copies
--     ("error in view ...: no such table"), which this way keeps working;
--   * `appended` in the index movies_fetched_at, so that `stats` counts
--     the parts stored without reading the table (dropped here, made again
--     by schema.sql with its new columns).
--
-- The movies already stored keep a NULL copy_made_at: their copy times were
-- never recorded, and NULL counts as the fetch time, as before version 5.
-- The notes already kept take their needed_from as noted_at: a changes
-- run reads days that have ended, so it noted the movie at or after that
-- time, and the note counts as waiting at most a little longer than it has.
ALTER TABLE movies ADD COLUMN copy_made_at TEXT;

-- A database of version 3 has no stale_copies yet (4.sql leaves it to
-- schema.sql): made here in version 4's shape, empty.
CREATE TABLE IF NOT EXISTS stale_copies (
    movie_id     INTEGER PRIMARY KEY,
    needed_from  TEXT NOT NULL,
    copy_made_at TEXT NOT NULL
) STRICT;
CREATE TEMP TABLE stale_copies_4 AS SELECT * FROM main.stale_copies;
DROP TABLE main.stale_copies;
CREATE TABLE main.stale_copies (
    movie_id     INTEGER PRIMARY KEY,
    needed_from  TEXT NOT NULL,
    copy_made_at TEXT,
    noted_at     TEXT NOT NULL
) STRICT;
INSERT INTO main.stale_copies (movie_id, needed_from, copy_made_at, noted_at)
    SELECT movie_id, needed_from, copy_made_at, needed_from FROM temp.stale_copies_4;
DROP TABLE temp.stale_copies_4;

-- The index gains a column: schema.sql makes it again.
DROP INDEX IF EXISTS movies_fetched_at;
