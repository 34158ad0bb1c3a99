-- views.sql - views that answer the usual questions about the tmdb-ingest
-- database without joins. Compiled into the binary and applied right
-- after schema.sql, in the same transaction (when meta.schema_digest says
-- the database has other text): each view is
-- dropped and created again, so a changed definition replaces the old one
-- (a view holds no data). docs/schema.md describes their columns.
--
-- Lists (genres, companies, cast, ...) are text joined with ", ", in
-- TMDB's order; they are for reading, the tables are for exact filters.
-- `year` is CAST(substr(release_date, 1, 4) AS INTEGER): the expression of
-- the index movies_year, so `WHERE year = 2019` on a view uses that index.
-- group_concat() follows the order of its ORDER BY subquery, as SQLite
-- does (this SQLite predates ORDER BY inside aggregates).

-- The original script's columns plus the genre list, for quick looks;
-- deleted movies included (movies.deleted_at says which).
DROP VIEW IF EXISTS movie_summary;
CREATE VIEW movie_summary AS
SELECT m.id, m.title, m.vote_average, m.revenue, m.release_date, m.runtime,
       (SELECT group_concat(name, ', ')
          FROM (SELECT g.name FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
                 WHERE mg.movie_id = m.id ORDER BY mg.position)) AS genres
  FROM movies m;

-- One row per stored movie, deleted ones included (deleted = 1).
-- spoken_languages are English names; keywords are there when fetched
-- with --append keywords.
DROP VIEW IF EXISTS movie_details;
CREATE VIEW movie_details AS
SELECT m.id, m.title, m.original_title, m.original_language,
       CAST(substr(m.release_date, 1, 4) AS INTEGER) AS year, m.release_date, m.status,
       m.runtime, m.budget, m.revenue, m.popularity, m.vote_average, m.vote_count,
       (SELECT group_concat(name, ', ')
          FROM (SELECT g.name FROM movie_genres x JOIN genres g ON g.id = x.genre_id
                 WHERE x.movie_id = m.id ORDER BY x.position)) AS genres,
       (SELECT group_concat(name, ', ')
          FROM (SELECT c.name FROM movie_companies x JOIN companies c ON c.id = x.company_id
                 WHERE x.movie_id = m.id ORDER BY x.position)) AS companies,
       (SELECT group_concat(name, ', ')
          FROM (SELECT coalesce(c.name, x.iso_3166_1) AS name
                  FROM movie_countries x JOIN countries c ON c.iso_3166_1 = x.iso_3166_1
                 WHERE x.movie_id = m.id ORDER BY x.position)) AS countries,
       (SELECT group_concat(name, ', ')
          FROM (SELECT coalesce(l.english_name, l.name, x.iso_639_1) AS name
                  FROM movie_languages x JOIN languages l ON l.iso_639_1 = x.iso_639_1
                 WHERE x.movie_id = m.id ORDER BY x.position)) AS spoken_languages,
       m.collection_id, c.name AS collection,
       (SELECT group_concat(name, ', ')
          FROM (SELECT k.name FROM movie_keywords x JOIN keywords k ON k.id = x.keyword_id
                 WHERE x.movie_id = m.id ORDER BY x.position)) AS keywords,
       m.imdb_id, m.adult, m.deleted_at IS NOT NULL AS deleted, m.deleted_at, m.fetched_at
  FROM movies m LEFT JOIN collections c ON c.id = m.collection_id;

-- Credits at a glance, for the movies whose credits were fetched (--append
-- credits): directors and writers by name, the first five billed actors.
-- "Fetched" is movie_parts' word (any fetch since version 6 that carried
-- credits, also when TMDB listed none and a later fetch did not carry
-- them); the cast and crew rows count for credits kept from before it.
DROP VIEW IF EXISTS movie_credits;
CREATE VIEW movie_credits AS
SELECT m.id, m.title, CAST(substr(m.release_date, 1, 4) AS INTEGER) AS year,
       (SELECT group_concat(name, ', ')
          FROM (SELECT DISTINCT p.id, p.name FROM movie_crew x JOIN people p ON p.id = x.person_id
                 WHERE x.movie_id = m.id AND x.job = 'Director' ORDER BY p.name, p.id))
           AS directors,
       (SELECT group_concat(name, ', ')
          FROM (SELECT DISTINCT p.id, p.name FROM movie_crew x JOIN people p ON p.id = x.person_id
                 WHERE x.movie_id = m.id AND x.department = 'Writing' ORDER BY p.name, p.id))
           AS writers,
       (SELECT group_concat(name, ', ')
          FROM (SELECT p.name FROM movie_cast x JOIN people p ON p.id = x.person_id
                 WHERE x.movie_id = m.id
                 ORDER BY x.cast_order IS NULL, x.cast_order, x.credit_id LIMIT 5)) AS top_cast,
       (SELECT count(*) FROM movie_cast x WHERE x.movie_id = m.id) AS cast_count,
       (SELECT count(*) FROM movie_crew x WHERE x.movie_id = m.id) AS crew_count
  FROM movies m
 WHERE instr(',' || m.appended || ',', ',credits,') > 0
    OR EXISTS (SELECT 1 FROM movie_parts x WHERE x.movie_id = m.id AND x.part = 'credits')
    OR EXISTS (SELECT 1 FROM movie_cast x WHERE x.movie_id = m.id)
    OR EXISTS (SELECT 1 FROM movie_crew x WHERE x.movie_id = m.id);

-- One row per cast credit, with the movie's title and the person's name.
DROP VIEW IF EXISTS movie_cast_list;
CREATE VIEW movie_cast_list AS
SELECT x.movie_id, m.title, x.cast_order, x.person_id, p.name, x.character, x.credit_id
  FROM movie_cast x JOIN movies m ON m.id = x.movie_id JOIN people p ON p.id = x.person_id;

-- One row per crew credit (a person with two jobs has two rows).
DROP VIEW IF EXISTS movie_crew_list;
CREATE VIEW movie_crew_list AS
SELECT x.movie_id, m.title, x.person_id, p.name, x.department, x.job, x.credit_id
  FROM movie_crew x JOIN movies m ON m.id = x.movie_id JOIN people p ON p.id = x.person_id;

-- One row per (genre, movie), deleted ones included (deleted = 1): dramas by
-- popularity, in any original language, are SELECT * FROM genre_movies
-- WHERE genre = '드라마' AND deleted = 0 ORDER BY popularity DESC (genre
-- names are in the database's language; genre_id 18 in any).
DROP VIEW IF EXISTS genre_movies;
CREATE VIEW genre_movies AS
SELECT g.id AS genre_id, g.name AS genre, x.position, m.id AS movie_id, m.title,
       CAST(substr(m.release_date, 1, 4) AS INTEGER) AS year, m.original_language,
       m.popularity, m.vote_average, m.vote_count, m.deleted_at IS NOT NULL AS deleted
  FROM genres g JOIN movie_genres x ON x.genre_id = g.id JOIN movies m ON m.id = x.movie_id;

-- Per genre, over the movies not deleted: how many, their ratings (the
-- plain average over movies with votes, and the average weighted by vote
-- count), total revenue, average runtime (where known) and the years.
DROP VIEW IF EXISTS genre_stats;
CREATE VIEW genre_stats AS
SELECT g.id AS genre_id, g.name AS genre, count(*) AS movies,
       round(avg(CASE WHEN m.vote_count > 0 THEN m.vote_average END), 2) AS avg_vote,
       round(sum(m.vote_average * m.vote_count)
             / nullif(sum(CASE WHEN m.vote_average IS NOT NULL THEN m.vote_count END), 0), 2)
           AS weighted_vote,
       sum(m.revenue) AS total_revenue, round(avg(m.runtime), 2) AS avg_runtime,
       min(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS first_year,
       max(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS last_year
  FROM genres g JOIN movie_genres x ON x.genre_id = g.id JOIN movies m ON m.id = x.movie_id
 WHERE m.deleted_at IS NULL
 GROUP BY g.id;
