-- top_revenue_per_year.sql - the three highest-grossing movies of each
-- release year, the latest year first.
-- Leaves out movies without a release date, movies that report no revenue
-- (TMDB's 0) and movies TMDB has deleted. Ties: the lower id first.
-- Uses the index movies_year (year, revenue).
SELECT year, rank, id, title, revenue
  FROM (SELECT CAST(substr(release_date, 1, 4) AS INTEGER) AS year, id, title, revenue,
               row_number() OVER (PARTITION BY CAST(substr(release_date, 1, 4) AS INTEGER)
                                  ORDER BY revenue DESC, id) AS rank
          FROM movies
         WHERE release_date IS NOT NULL AND revenue > 0 AND deleted_at IS NULL)
 WHERE rank <= 3
 ORDER BY year DESC, rank;
