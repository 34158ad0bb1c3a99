-- schema.sql - the tmdb-ingest database, schema version 8. Applied by the
-- program itself (idempotent) whenever the database's meta.schema_digest
-- differs from this text's; PRAGMA user_version holds the
-- schema version, and sql/migrations/N.sql upgrades a version N-1 database
-- before this file runs. One database holds one language's text
-- (meta.language). The views are in views.sql; docs/schema.md describes
-- every table and column.
--
-- Column order matters: a column added by a migration (ALTER TABLE ... ADD
-- COLUMN, always last) is declared last here too, so a new database and an
-- upgraded one have the same columns in the same order (store_merge.c
-- copies rows with SELECT *).

-- Facts about the database itself: 'language', 'created_at', 'changes_from',
-- 'schema_digest', and (from the upgrade to version 6) 'movie_parts_after_run'
-- and 'movie_parts_made_at'; docs/schema.md, "meta", says what each holds.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Collections (franchises) a movie belongs to.
CREATE TABLE IF NOT EXISTS collections (
    id            INTEGER PRIMARY KEY,
    name          TEXT,
    poster_path   TEXT,
    backdrop_path TEXT,
    updated_at    TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

-- One row per movie: every scalar field of GET /movie/{id}. Strings TMDB
-- sends as "" to mean unknown are NULL; runtime 0 is NULL; budget and
-- revenue are exact 64-bit integers (0 = not reported, as TMDB sends it).
-- raw_json is the body exactly as received, for fields without a column
-- (json_extract(raw_json, '$.origin_country')).
CREATE TABLE IF NOT EXISTS movies (
    id                INTEGER PRIMARY KEY,
    imdb_id           TEXT,
    title             TEXT,
    original_title    TEXT,
    original_language TEXT,
    overview          TEXT,
    tagline           TEXT,
    status            TEXT,
    release_date      TEXT,     -- 'YYYY-MM-DD' or NULL
    runtime           INTEGER,  -- minutes, NULL when unknown
    budget            INTEGER NOT NULL DEFAULT 0,
    revenue           INTEGER NOT NULL DEFAULT 0,
    popularity        REAL,
    vote_average      REAL,
    vote_count        INTEGER,
    adult             INTEGER NOT NULL DEFAULT 0 CHECK (adult IN (0, 1)),
    video             INTEGER NOT NULL DEFAULT 0 CHECK (video IN (0, 1)),
    homepage          TEXT,
    poster_path       TEXT,
    backdrop_path     TEXT,
    collection_id     INTEGER REFERENCES collections (id),
    raw_json          TEXT NOT NULL,
    language          TEXT NOT NULL,
    fetched_at        TEXT NOT NULL, -- ISO-8601 UTC, e.g. 2026-11-24T03:30:00Z
    deleted_at        TEXT,          -- when TMDB stopped knowing it (gone from the export, or 404); NULL while it exists
    appended          TEXT,          -- the append_to_response parts stored with the last fetch ('credits,keywords'), NULL for none
    copy_made_at      TEXT           -- when the copy of TMDB's CDN last stored was made (its Date), ISO-8601 UTC; NULL unknown (no Date, or stored before version 5)
) STRICT;

CREATE INDEX IF NOT EXISTS movies_release_date ON movies (release_date);
CREATE INDEX IF NOT EXISTS movies_collection ON movies (collection_id);
-- Freshness (--max-age, `dump --since`, an export's cursor), and the
-- parts each movie was stored with: `stats` counts both from this index,
-- and a resumed run finds what it stored here, without the table, whose
-- rows carry raw_json (a few KiB each, overflow pages) before these
-- columns (`appended` since schema version 5). An export's deletions ask
-- every stored movie whether it is live and adult (store_find_gone()):
-- `adult` and `deleted_at` here (version 7) answer that from the index
-- too, where the table meant reading the whole file. The writer rewrites
-- the entry at every fetch anyway (fetched_at changes), so the columns
-- after the first cost it little (docs/benchmarks.md).
CREATE INDEX IF NOT EXISTS movies_fetched_at ON movies (fetched_at, appended, adult, deleted_at);
-- The movies stored from a copy made on a day before their fetch's (schema
-- version 5): an export reads the first entry below a day so that the
-- changes cursor never passes a copy a movie is stored from
-- (store_oldest_unrefreshed()). The other movies' copies are of their
-- fetch's day (or unknown, NULL, counted as the fetch), so movies_fetched_at
-- finds theirs. Partial: a copy is usually hours old, of the same day, and
-- the writer then has no entry to keep here.
CREATE INDEX IF NOT EXISTS movies_copy_made ON movies (copy_made_at)
    WHERE copy_made_at < substr(fetched_at, 1, 10);
-- `dump --since` finds the movies marked deleted since a time. Partial:
-- it holds only deleted movies (few), and a filter on `deleted_at IS
-- NULL` (the live movies, most of them) cannot pick it over a better one.
CREATE INDEX IF NOT EXISTS movies_deleted_at ON movies (deleted_at) WHERE deleted_at IS NOT NULL;

-- The common filters (schema version 3), each followed by the column that
-- queries most often sort by, so "filter, then the top N" reads the index
-- in order and stops early. The release year is an expression index, not
-- a generated column: ALTER TABLE cannot add a stored generated column, and
-- a new column would change SELECT * of movies (store_merge.c). A query
-- uses it by writing the same expression, as the views' `year` column does.
CREATE INDEX IF NOT EXISTS movies_year
    ON movies (CAST(substr(release_date, 1, 4) AS INTEGER), revenue);
CREATE INDEX IF NOT EXISTS movies_language ON movies (original_language, popularity);
CREATE INDEX IF NOT EXISTS movies_popularity ON movies (popularity);
CREATE INDEX IF NOT EXISTS movies_votes ON movies (vote_count, vote_average);

-- Genres (names in the database's language) and which movies have them,
-- in TMDB's order (position 0 first).
CREATE TABLE IF NOT EXISTS genres (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    updated_at TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

CREATE TABLE IF NOT EXISTS movie_genres (
    movie_id INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    genre_id INTEGER NOT NULL REFERENCES genres (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_genres_genre ON movie_genres (genre_id);

-- Production companies.
CREATE TABLE IF NOT EXISTS companies (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    logo_path      TEXT,
    origin_country TEXT,
    updated_at     TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

CREATE TABLE IF NOT EXISTS movie_companies (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (movie_id, company_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_companies_company ON movie_companies (company_id);

-- Production countries (ISO 3166-1).
CREATE TABLE IF NOT EXISTS countries (
    iso_3166_1 TEXT PRIMARY KEY,
    name       TEXT,
    updated_at TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

CREATE TABLE IF NOT EXISTS movie_countries (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    iso_3166_1 TEXT NOT NULL REFERENCES countries (iso_3166_1),
    position   INTEGER NOT NULL,
    PRIMARY KEY (movie_id, iso_3166_1)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_countries_country ON movie_countries (iso_3166_1);

-- Spoken languages (ISO 639-1).
CREATE TABLE IF NOT EXISTS languages (
    iso_639_1    TEXT PRIMARY KEY,
    english_name TEXT,
    name         TEXT,
    updated_at   TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

CREATE TABLE IF NOT EXISTS movie_languages (
    movie_id  INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    iso_639_1 TEXT NOT NULL REFERENCES languages (iso_639_1),
    position  INTEGER NOT NULL,
    PRIMARY KEY (movie_id, iso_639_1)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_languages_language ON movie_languages (iso_639_1);

-- Parts fetched with --append (append_to_response). A part's rows for a
-- movie are replaced whenever a fetch includes that part, and kept
-- otherwise; movies.appended says which parts the last fetch held, and
-- movie_parts (below) which fetch each part's rows came from.

-- People in credits, as TMDB last described them.
CREATE TABLE IF NOT EXISTS people (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    original_name        TEXT,
    gender               INTEGER,   -- 0 not set, 1 female, 2 male, 3 non-binary
    known_for_department TEXT,
    profile_path         TEXT,
    adult                INTEGER NOT NULL DEFAULT 0 CHECK (adult IN (0, 1)),
    popularity           REAL,
    updated_at           TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

-- credits.cast: who played whom; cast_order is TMDB's billing order (0 first).
CREATE TABLE IF NOT EXISTS movie_cast (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    credit_id  TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people (id),
    character  TEXT,
    cast_order INTEGER,
    cast_id    INTEGER,
    PRIMARY KEY (movie_id, credit_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_cast_person ON movie_cast (person_id);

-- credits.crew: one row per job (a director who also wrote has two).
CREATE TABLE IF NOT EXISTS movie_crew (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    credit_id  TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people (id),
    department TEXT,
    job        TEXT,
    PRIMARY KEY (movie_id, credit_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_crew_person ON movie_crew (person_id);

-- keywords.keywords
CREATE TABLE IF NOT EXISTS keywords (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    updated_at TEXT  -- when this row was inserted or last changed (triggers below)
) STRICT;

CREATE TABLE IF NOT EXISTS movie_keywords (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    keyword_id INTEGER NOT NULL REFERENCES keywords (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (movie_id, keyword_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS movie_keywords_keyword ON movie_keywords (keyword_id);

-- release_dates.results[].release_dates[]: per country, in TMDB's order.
-- type: 1 premiere, 2 limited theatrical, 3 theatrical, 4 digital,
-- 5 physical, 6 TV.
CREATE TABLE IF NOT EXISTS release_dates (
    movie_id      INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    iso_3166_1    TEXT NOT NULL,
    position      INTEGER NOT NULL,
    release_date  TEXT,      -- ISO-8601 as sent, e.g. 2019-05-30T00:00:00.000Z
    type          INTEGER,
    certification TEXT,      -- NULL when TMDB sends ""
    iso_639_1     TEXT,
    note          TEXT,
    PRIMARY KEY (movie_id, iso_3166_1, position)
) STRICT, WITHOUT ROWID;

-- external_ids: one row per movie; NULL where TMDB has none.
CREATE TABLE IF NOT EXISTS external_ids (
    movie_id     INTEGER PRIMARY KEY REFERENCES movies (id) ON DELETE CASCADE,
    imdb_id      TEXT,
    wikidata_id  TEXT,
    facebook_id  TEXT,
    instagram_id TEXT,
    twitter_id   TEXT
) STRICT;

-- translations.translations[]: the movie's text in other languages.
CREATE TABLE IF NOT EXISTS translations (
    movie_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    iso_639_1    TEXT NOT NULL,
    iso_3166_1   TEXT NOT NULL,
    name         TEXT,
    english_name TEXT,
    title        TEXT,
    overview     TEXT,
    tagline      TEXT,
    homepage     TEXT,
    runtime      INTEGER,    -- NULL when 0 or absent
    PRIMARY KEY (movie_id, iso_639_1, iso_3166_1)
) STRICT, WITHOUT ROWID;

-- Which appended parts a movie's rows hold, and the fetch each part's rows
-- came from (schema version 6): written with the rows by every fetch that
-- carried the part, so a part kept from an earlier fetch (a later one did
-- not ask for it; movies.appended lists only the last fetch's) keeps its
-- own time. `merge` keeps, per part, the rows of the later such fetch.
-- No row: the movie has no rows of the part, or they were kept from a
-- fetch before version 6, whose time is unknown.
CREATE TABLE IF NOT EXISTS movie_parts (
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    part       TEXT NOT NULL,  -- 'credits', 'keywords', 'release_dates', 'external_ids', 'translations'
    fetched_at TEXT NOT NULL,  -- the fetch that carried it, as movies.fetched_at
    PRIMARY KEY (movie_id, part)
) STRICT, WITHOUT ROWID;

-- One row per invocation. command is the command line as given (it never
-- holds the credential: no option takes one); source says what was loaded,
-- and a run resumes the interrupted runs of the same source just before it. status: running while it
-- runs, then ok, partial (some movies failed, or an export's deletions were
-- held back by --max-deletions), failed (could not go on),
-- interrupted (signal), or aborted (the process died; set by the next run).
CREATE TABLE IF NOT EXISTS runs (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    command       TEXT NOT NULL,
    source        TEXT NOT NULL,               -- what was loaded: 'list now_playing --pages all', 'ids -'
    status        TEXT NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted', 'aborted')),
    requested     INTEGER NOT NULL DEFAULT 0,  -- distinct ids enqueued
    fetched       INTEGER NOT NULL DEFAULT 0,  -- movies stored
    missing       INTEGER NOT NULL DEFAULT 0,  -- 404: deleted or unknown
    failed        INTEGER NOT NULL DEFAULT 0,  -- given up after retries, bad payloads, bad input
    http_requests INTEGER NOT NULL DEFAULT 0,  -- list pages included
    retries       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,  -- settled by the interrupted run this one resumed, or fresh enough (--max-age)
    uid           TEXT                         -- 128 random bits in hex, drawn as the run begins (version 4; NULL for older runs)
                  CHECK (uid IS NULL OR (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*')),
    exit_status   INTEGER                      -- the process's exit status (version 8); NULL while running, aborted, older
                  CHECK (exit_status IS NULL OR exit_status BETWEEN 0 AND 255),
    error         TEXT                         -- the first error a run not ok reported (its stderr line), or NULL
) STRICT;

-- A run is the same run in every database it is merged into by its uid
-- (store_merge.c): two runs of one command started in the same second,
-- on two machines, are two runs. Unique, NULLs apart (runs of versions
-- before 4 have none).
CREATE UNIQUE INDEX IF NOT EXISTS runs_uid ON runs (uid);

-- Movies a run did not store, and why. kind 'missing' is a 404 (a deleted
-- movie, a normal outcome); 'failed' is anything else, with the last HTTP
-- status (0 for a transport error), a reason, and the requests made.
CREATE TABLE IF NOT EXISTS fetch_failures (
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    movie_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('missing', 'failed')),
    http_status INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (run_id, movie_id)
) STRICT;

CREATE INDEX IF NOT EXISTS fetch_failures_movie ON fetch_failures (movie_id);

-- Movies whose stored data may predate a change the database counts as
-- read (schema version 4; failed fetches and noted_at, version 5), each
-- fetched again by every changes run, besides its own days, until a fetch
-- holds the change. TMDB's CDN serves details cached for hours: a movie
-- /movie/changes lists for a window of days may come as a copy made before
-- that window ended, holding the data from before the change. It is stored
-- all the same (it is no older than what was stored), and noted here with
-- the copy time it needs: the end of the window (the next day's 00:00:00
-- UTC). A movie an export or a changes run could not fetch at all (5xx,
-- timeouts, too large, a body it cannot store: fetch_failures) is noted
-- the same way, without a copy, needing one made from the day the run
-- marks its changes complete from; so one failing movie does not keep the
-- cursor from moving, and is not lost. So is a stored movie an export did
-- not fetch again (left out of it) that would hold the cursor further back
-- than changes reads (sync.h). Every later fetch of the movie (any
-- command) deletes the row when its copy (the answer's Date) was made at or
-- after needed_from, or carries no Date.
CREATE TABLE IF NOT EXISTS stale_copies (
    movie_id     INTEGER PRIMARY KEY,
    needed_from  TEXT NOT NULL,   -- a copy made at or after this (UTC) holds the change
    copy_made_at TEXT,            -- when the copy last served was made (its Date); NULL: the
                                  -- last export or changes run that fetched it failed
    noted_at     TEXT NOT NULL    -- when it was noted, kept until the note is deleted
) STRICT;

-- Full-text search (schema version 3): one document per movie, rowid =
-- movies.id, holding what movie_search_text below says. The trigram
-- tokenizer indexes every sequence of three characters, so a term matches
-- inside words: Korean attaches particles and forms compounds without
-- spaces (괴물이, 괴물들의, 한강괴물), which a word tokenizer (unicode61)
-- keeps whole, so that a search for 괴물 would miss them. A term of one or
-- two characters has no trigram; store_search() finds those with LIKE over
-- this table's text. The table keeps its own copy of the text instead of
-- pointing at movies (external content): a document can then be replaced
-- without restating its old text, and a LIKE scan reads text, not raw_json.
-- docs/schema.md, "Full-text search", has the whole reasoning.
CREATE VIRTUAL TABLE IF NOT EXISTS movies_fts USING fts5 (
    title, original_title, overview, tagline, keywords, tokenize = 'trigram'
);

-- The text of each movie's search document. keywords are the names of its
-- keyword rows (as the keywords table holds them now: TMDB renames
-- keywords, and a rename reaches every movie of the keyword, fetched again
-- or not) joined with ", " in TMDB's order. Documents are rebuilt once per
-- transaction, before COMMIT (fts_pending below), when the keyword rows
-- are written. Part of the schema (the triggers and the store use it), so
-- not in views.sql; dropped and created again whenever this file is
-- applied, as the triggers are, so that every database gets this text.
-- (Before, a movie whose last fetch had keywords read them from raw_json:
-- a renamed keyword kept its old name in the documents of the movies not
-- fetched again.) A database whose view was that one holds such documents:
-- noted here, before the view is replaced, and rebuilt below, once.
CREATE TEMP TABLE search_text_was_raw AS
SELECT 1 AS yes FROM sqlite_schema
 WHERE type = 'view' AND name = 'movie_search_text' AND sql LIKE '%raw_json%';
DROP VIEW IF EXISTS movie_search_text;
CREATE VIEW IF NOT EXISTS movie_search_text AS
SELECT m.id, m.title, m.original_title, m.overview, m.tagline,
       (SELECT group_concat(name, ', ')
          FROM (SELECT k.name FROM movie_keywords mk
                  JOIN keywords k ON k.id = mk.keyword_id
                 WHERE mk.movie_id = m.id ORDER BY mk.position)) AS keywords
  FROM movies m;

-- Movies whose search document must be rebuilt before the transaction
-- commits. The triggers below only note the movie here (a load's
-- connection turns them off and notes the same movies itself:
-- store_open_for_load(), docs/schema.md); the store rebuilds
-- the noted documents, a row a statement, just before each COMMIT
-- (store_commit()), so the index still changes in the same transaction as
-- the rows. Why not write movies_fts from the triggers: each movie upsert
-- runs in a statement transaction (a savepoint), and FTS5 flushes its
-- pending terms into a new index segment at every savepoint; rebuilding per batch costs
-- one segment per transaction instead of one per movie (a third of the
-- load's CPU before). Empty outside a transaction, except after changes
-- made by hand with sqlite3: those reach the index when tmdb-ingest next
-- opens the database to write (it rebuilds what is noted, below).
CREATE TABLE IF NOT EXISTS fts_pending (
    movie_id INTEGER PRIMARY KEY
) STRICT;

-- An update of a movie notes it only when a field of its document may have
-- changed: a refetch that changes no text leaves the index alone (its body,
-- raw_json, differs at nearly every fetch: popularity and votes move daily,
-- and a weekly export rewrote every document for them). A keyword
-- row written or removed, or a keyword renamed, notes the movies it is of.
-- Each is dropped and created again whenever this file is applied, so
-- that a database made by an earlier build gets the triggers of this one;
-- CREATE ... IF NOT EXISTS alone would keep the old ones.
-- They note with ON CONFLICT DO NOTHING, not INSERT OR IGNORE: a trigger
-- fired by an upsert's DO UPDATE (a keyword renamed by TMDB, a refetched
-- movie, a merge) runs with the upsert's ABORT in place of its own OR
-- IGNORE, so a movie noted twice in one batch failed the whole run.
DROP TRIGGER IF EXISTS movies_fts_insert;
CREATE TRIGGER IF NOT EXISTS movies_fts_insert AFTER INSERT ON movies BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER IF EXISTS movies_fts_update;
CREATE TRIGGER IF NOT EXISTS movies_fts_update AFTER UPDATE ON movies
    WHEN OLD.title IS NOT NEW.title OR OLD.original_title IS NOT NEW.original_title
      OR OLD.overview IS NOT NEW.overview OR OLD.tagline IS NOT NEW.tagline
BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER IF EXISTS movies_fts_delete;
CREATE TRIGGER IF NOT EXISTS movies_fts_delete AFTER DELETE ON movies BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER IF EXISTS movie_keywords_fts_insert;
CREATE TRIGGER IF NOT EXISTS movie_keywords_fts_insert AFTER INSERT ON movie_keywords
BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (NEW.movie_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER IF EXISTS movie_keywords_fts_delete;
CREATE TRIGGER IF NOT EXISTS movie_keywords_fts_delete AFTER DELETE ON movie_keywords
BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (OLD.movie_id) ON CONFLICT DO NOTHING;
END;

-- The store never updates a keyword row (it deletes and inserts); by hand, maybe.
DROP TRIGGER IF EXISTS movie_keywords_fts_update;
CREATE TRIGGER IF NOT EXISTS movie_keywords_fts_update AFTER UPDATE ON movie_keywords BEGIN
    INSERT INTO fts_pending (movie_id) VALUES (OLD.movie_id), (NEW.movie_id)
        ON CONFLICT DO NOTHING;
END;

-- A renamed keyword: the documents of its movies change.
DROP TRIGGER IF EXISTS keywords_fts_update;
CREATE TRIGGER IF NOT EXISTS keywords_fts_update AFTER UPDATE OF name ON keywords
    WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO fts_pending (movie_id)
    SELECT movie_id FROM movie_keywords WHERE keyword_id = NEW.id ON CONFLICT DO NOTHING;
END;

-- The documents the earlier movie_search_text wrote (above) whose keywords
-- are not their keyword rows' now: a keyword TMDB renamed since. The note
-- comes first in the join (CROSS JOIN keeps it there): without it, no
-- document is read, where a condition on it in WHERE was tested at each.
INSERT INTO fts_pending (movie_id)
SELECT f.rowid FROM temp.search_text_was_raw CROSS JOIN movies_fts f
  JOIN movie_search_text s ON s.id = f.rowid
 WHERE f.keywords IS NOT s.keywords
    ON CONFLICT DO NOTHING;
DROP TABLE temp.search_text_was_raw;

-- Documents noted by changes made outside tmdb-ingest (see fts_pending).
DELETE FROM movies_fts WHERE rowid IN (SELECT movie_id FROM fts_pending);
INSERT INTO movies_fts (rowid, title, original_title, overview, tagline, keywords)
SELECT * FROM movie_search_text WHERE id IN (SELECT movie_id FROM fts_pending);
DELETE FROM fts_pending;

-- Fill the index when it is empty while movies are not: once, when an
-- upgrade to version 3 has just created it (migrations/3.sql), in the
-- same transaction as the upgrade.
INSERT INTO movies_fts (rowid, title, original_title, overview, tagline, keywords)
SELECT * FROM movie_search_text WHERE NOT EXISTS (SELECT 1 FROM movies_fts);

-- updated_at of the tables shared between movies (schema version 3): when
-- the row was inserted, or last changed by a later upsert. Set by these
-- triggers for every writer but a load, whose statements set it
-- themselves (its connection fires no trigger: store_open_for_load()).
-- An upsert that rewrites a row with the same values leaves updated_at
-- alone, so `dump --since` returns only what changed. (An ALTER TABLE cannot add a column whose default is the time,
-- so a trigger sets it on insert too, and new and upgraded databases work
-- alike.) A row that arrives with updated_at set (merge copies it from
-- another database) keeps it.
CREATE TRIGGER IF NOT EXISTS collections_inserted AFTER INSERT ON collections
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE collections SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS collections_changed AFTER UPDATE ON collections
    WHEN OLD.name IS NOT NEW.name OR OLD.poster_path IS NOT NEW.poster_path
      OR OLD.backdrop_path IS NOT NEW.backdrop_path
BEGIN
    UPDATE collections SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS genres_inserted AFTER INSERT ON genres
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE genres SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS genres_changed AFTER UPDATE ON genres
    WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE genres SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS companies_inserted AFTER INSERT ON companies
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE companies SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS companies_changed AFTER UPDATE ON companies
    WHEN OLD.name IS NOT NEW.name OR OLD.logo_path IS NOT NEW.logo_path
      OR OLD.origin_country IS NOT NEW.origin_country
BEGIN
    UPDATE companies SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS countries_inserted AFTER INSERT ON countries
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE countries SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS countries_changed AFTER UPDATE ON countries
    WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE countries SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS languages_inserted AFTER INSERT ON languages
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE languages SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS languages_changed AFTER UPDATE ON languages
    WHEN OLD.english_name IS NOT NEW.english_name OR OLD.name IS NOT NEW.name
BEGIN
    UPDATE languages SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS people_inserted AFTER INSERT ON people
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE people SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS people_changed AFTER UPDATE ON people
    WHEN OLD.name IS NOT NEW.name OR OLD.original_name IS NOT NEW.original_name
      OR OLD.gender IS NOT NEW.gender
      OR OLD.known_for_department IS NOT NEW.known_for_department
      OR OLD.profile_path IS NOT NEW.profile_path OR OLD.adult IS NOT NEW.adult
      OR OLD.popularity IS NOT NEW.popularity
BEGIN
    UPDATE people SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS keywords_inserted AFTER INSERT ON keywords
    WHEN NEW.updated_at IS NULL
BEGIN
    UPDATE keywords SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER IF NOT EXISTS keywords_changed AFTER UPDATE ON keywords
    WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE keywords SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
     WHERE rowid = NEW.rowid;
END;
