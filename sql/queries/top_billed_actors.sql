-- top_billed_actors.sql - the 20 actors billed among the first three of
-- the most movies, and in how many of those they were billed first.
-- Needs credits (load with --append credits); deleted movies are left
-- out. Ties: the lower person id first.
SELECT p.id AS person_id, p.name, count(DISTINCT x.movie_id) AS movies,
       count(DISTINCT CASE WHEN x.cast_order = 0 THEN x.movie_id END) AS billed_first
  FROM movie_cast x
  JOIN people p ON p.id = x.person_id
  JOIN movies m ON m.id = x.movie_id
 WHERE x.cast_order < 3 AND m.deleted_at IS NULL
 GROUP BY p.id
 ORDER BY movies DESC, p.id
 LIMIT 20;
