-- prolific_companies.sql - the 20 production companies with the most
-- movies, with what those movies grossed in total (the sum of what TMDB
-- reports: 0 where it reports none) and the first and last release years. Deleted movies are left out. Ties: the lower company id
-- first.
SELECT c.id AS company_id, c.name AS company, c.origin_country AS country,
       count(*) AS movies, sum(m.revenue) AS total_revenue,
       min(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS first_year,
       max(CAST(substr(m.release_date, 1, 4) AS INTEGER)) AS last_year
  FROM companies c
  JOIN movie_companies mc ON mc.company_id = c.id
  JOIN movies m ON m.id = mc.movie_id
 WHERE m.deleted_at IS NULL
 GROUP BY c.id
 ORDER BY movies DESC, c.id
 LIMIT 20;
