-- schema.sql - the tmdb-ingest database. Applied by the program itself at
-- every start (idempotent); PRAGMA user_version holds the schema version.
-- One database holds one language's text (meta.language).

-- Facts about the database itself: 'language', 'created_at'.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Collections (franchises) a movie belongs to.
CREATE TABLE IF NOT EXISTS collections (
    id            INTEGER PRIMARY KEY,
    name          TEXT,
    poster_path   TEXT,
    backdrop_path TEXT
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
    appended          TEXT           -- the append_to_response parts stored with the last fetch ('credits,keywords'), NULL for none
) STRICT;

CREATE INDEX IF NOT EXISTS movies_release_date ON movies (release_date);
CREATE INDEX IF NOT EXISTS movies_collection ON movies (collection_id);
CREATE INDEX IF NOT EXISTS movies_fetched_at ON movies (fetched_at);

-- Genres (names in the database's language) and which movies have them,
-- in TMDB's order (position 0 first).
CREATE TABLE IF NOT EXISTS genres (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
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
    origin_country TEXT
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
    name       TEXT
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
    name         TEXT
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
-- otherwise; movies.appended says which parts the last fetch held.

-- People in credits, as TMDB last described them.
CREATE TABLE IF NOT EXISTS people (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL,
    original_name        TEXT,
    gender               INTEGER,   -- 0 not set, 1 female, 2 male, 3 non-binary
    known_for_department TEXT,
    profile_path         TEXT,
    adult                INTEGER NOT NULL DEFAULT 0 CHECK (adult IN (0, 1)),
    popularity           REAL
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
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL
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

-- One row per invocation. command is the command line as given (it never
-- holds the credential: no option takes one); source says what was loaded,
-- and a run resumes the interrupted runs of the same source just before it. status: running while it
-- runs, then ok, partial (some movies failed), failed (could not go on),
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
    skipped       INTEGER NOT NULL DEFAULT 0   -- settled by the interrupted run this one resumed
) STRICT;

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

-- The original script's columns plus the genre list, for quick looks.
CREATE VIEW IF NOT EXISTS movie_summary AS
SELECT m.id, m.title, m.vote_average, m.revenue, m.release_date, m.runtime,
       (SELECT group_concat(name, ', ')
          FROM (SELECT g.name FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                 WHERE mg.movie_id = m.id ORDER BY mg.position)) AS genres
  FROM movies m;
