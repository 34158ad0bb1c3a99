-- migrations/2.sql - schema version 1 -> 2. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 1.
-- Version 2 adds movies.deleted_at and movies.appended (the new tables and
-- indexes come from schema.sql, which creates what does not exist).
ALTER TABLE movies ADD COLUMN deleted_at TEXT;
ALTER TABLE movies ADD COLUMN appended TEXT;
