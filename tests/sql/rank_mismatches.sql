-- How many players players_rated_above() counts wrongly: against the number rated strictly
-- higher, counted the obvious way (rank() over the whole table, less one). One statement, so
-- one snapshot for both counts.
SELECT count(*)
FROM (SELECT player_skill_rating,
             rank() OVER (ORDER BY player_skill_rating DESC) - 1 AS rated_higher
      FROM player_profiles) AS counted
WHERE players_rated_above(counted.player_skill_rating) <> counted.rated_higher;
