-- monthly_releases.sql - how many of the stored movies were released in
-- each month ('YYYY-MM', by release_date, future dates included), and
-- what they grossed (the sum of what TMDB reports: its revenue 0 means
-- "not reported", so a month whose movies reported none shows 0, not
-- "grossed nothing"). Movies without a release date and deleted movies
-- are left out.
SELECT substr(release_date, 1, 7) AS month, count(*) AS movies, sum(revenue) AS revenue
  FROM movies
 WHERE release_date IS NOT NULL AND deleted_at IS NULL
 GROUP BY month
 ORDER BY month;
