-- migrations/4.sql - schema version 3 -> 4. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 3
-- (or after 2.sql and 3.sql for older databases). Version 4 adds
--   * the table stale_copies (movies stored from a CDN copy older than
--     their change), which schema.sql creates as it creates every table
--     that does not exist;
--   * runs.uid, a run's identity across databases (merge), and its unique
--     index (from schema.sql).
--
-- The runs already stored keep a NULL uid, and merge matches runs without
-- one by (started_at, command) as before. A uid made up here would differ
-- between two copies of one database upgraded apart (a shard and the
-- database it was merged into), and merge would then keep their common
-- runs twice; one derived from the row would not do either: a merge
-- renumbers runs, and two runs of one database may share their start and
-- command (the unique index would refuse the upgrade).
ALTER TABLE runs ADD COLUMN uid TEXT
    CHECK (uid IS NULL OR (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*'));
