-- genre_ratings.sql - the average rating of each genre, best first, over
-- the movies with at least 1000 votes (a rating from a handful of votes
-- says little; change 1000 to taste), deleted movies left out.
-- avg_vote is the plain mean of the movies' vote_average; weighted_vote
-- weighs each movie by its vote_count. Ties: the lower genre id first.
-- Uses the index movies_votes (vote_count, vote_average).
SELECT g.id AS genre_id, g.name AS genre, count(*) AS movies,
       round(avg(m.vote_average), 2) AS avg_vote,
       round(sum(m.vote_average * m.vote_count) / sum(m.vote_count), 2) AS weighted_vote
  FROM movies m
  JOIN movie_genres mg ON mg.movie_id = m.id
  JOIN genres g ON g.id = mg.genre_id
 WHERE m.vote_count >= 1000 AND m.vote_average IS NOT NULL AND m.deleted_at IS NULL
 GROUP BY g.id
 ORDER BY avg(m.vote_average) DESC, g.id;
