-- popular_korean.sql - the 20 most popular movies originally in Korean
-- with at least 100 votes; change 'ko' for another ISO 639-1 language.
-- Deleted movies are left out. Reads the index movies_language
-- (original_language, popularity) in order and stops after 20.
SELECT id, title, original_title, CAST(substr(release_date, 1, 4) AS INTEGER) AS year,
       popularity, vote_average, vote_count
  FROM movies
 WHERE original_language = 'ko' AND vote_count >= 100 AND deleted_at IS NULL
 ORDER BY popularity DESC, id
 LIMIT 20;
