-- migrations/6.sql - schema version 5 -> 6. Run by the program, inside the
-- same transaction as schema.sql, before it, when PRAGMA user_version is 5
-- (or after the earlier migrations for older databases). Version 6 adds
-- movie_parts: per movie and appended part, the fetch its rows came from,
-- so that `merge` keeps the later rows of a part whatever the order of
-- its inputs (before, it knew only the parts of each copy's last fetch,
-- movies.appended, and three copies fetched with different parts could
-- keep older rows).
--
-- A part the last fetch carried came with that fetch: its time is the
-- movie's fetched_at. Rows kept from an earlier fetch that did not list
-- them get no row here: their time was never recorded.
CREATE TABLE IF NOT EXISTS movie_parts (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    part       TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (movie_id, part)
) STRICT, WITHOUT ROWID;

INSERT INTO movie_parts (movie_id, part, fetched_at)
    SELECT m.id, p.part, m.fetched_at
      FROM movies m
      JOIN (SELECT 'credits' AS part UNION ALL SELECT 'keywords'
            UNION ALL SELECT 'release_dates' UNION ALL SELECT 'external_ids'
            UNION ALL SELECT 'translations') p
        ON instr(',' || m.appended || ',', ',' || p.part || ',') > 0
     WHERE m.appended IS NOT NULL
    ON CONFLICT DO NOTHING;

-- These rows are dated at their fetches, before the point from which a
-- downstream job pulls (`dump --since`): none would come to it. Where the
-- upgrade made any, it notes where it fell among the runs (after every run
-- recorded so far) and when, and a dump since a run or a time from before
-- it sends the whole table (store_dump.c).
INSERT INTO meta (key, value)
    SELECT 'movie_parts_after_run', CAST(coalesce((SELECT max(id) FROM runs), 0) AS TEXT)
     WHERE EXISTS (SELECT 1 FROM movie_parts)
    UNION ALL
    SELECT 'movie_parts_made_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE EXISTS (SELECT 1 FROM movie_parts)
    ON CONFLICT DO NOTHING;
