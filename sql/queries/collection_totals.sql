-- collection_totals.sql - franchises (TMDB collections), the longest
-- running first: how many of their movies are stored, the years from the
-- first release to the last, and their total revenue and budget (0 where
-- TMDB reports none) and mean rating over the movies that have votes (an
-- unrated movie's vote_average is 0, not a rating). Deleted movies are left out; a
-- collection none of whose movies has a release date comes last. Ties:
-- the higher total revenue, then the lower collection id, first.
SELECT c.id AS collection_id, c.name AS collection, count(*) AS movies,
       min(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS first_year,
       max(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS last_year,
       max(CAST(substr(m.release_date, 1, 4) AS INTEGER))
           - min(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS span_years,
       sum(m.revenue) AS total_revenue, sum(m.budget) AS total_budget,
       round(avg(CASE WHEN m.vote_count > 0 THEN m.vote_average END), 2) AS avg_vote
  FROM collections c
  JOIN movies m ON m.collection_id = c.id
 WHERE m.deleted_at IS NULL
 GROUP BY c.id
 ORDER BY span_years DESC NULLS LAST, total_revenue DESC, c.id;
