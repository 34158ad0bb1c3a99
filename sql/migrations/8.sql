-- migrations/8.sql - schema version 7 -> 8. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 7
-- (or after the earlier migrations for older databases). Version 8 adds
-- runs.exit_status and runs.error: how a run ended, as its exit status
-- said it (7, TMDB or the network did not answer, and 1, what waiting does
-- not mend, were both status 'failed'), and the first error it reported.
--
-- The runs already stored keep NULL in both: what they exited with was
-- not recorded, and their status is all that is known.
ALTER TABLE runs ADD COLUMN exit_status INTEGER
    CHECK (exit_status IS NULL OR exit_status BETWEEN 0 AND 255);
ALTER TABLE runs ADD COLUMN error TEXT;
