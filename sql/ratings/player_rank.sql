-- ratings/player_rank: where one player stands: 1 + the number of players with a strictly
-- higher rating, out of how many.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: one row (player_id, rank, player_skill_rating, total_players), or no row when the
--   player does not exist.
-- Indexes: player_profiles_pkey for the player; players_rated_above() (migrations) says what
--   serves the count above and how its cost grows. The total sums the rating_bands rows of
--   level -1 (bands of 160 points, rating_bands_pkey): a few dozen rows for ratings spread
--   over hundreds of points, whatever the number of players.
SELECT p.id AS player_id,
       1 + players_rated_above(p.player_skill_rating) AS rank,
       p.player_skill_rating,
       (SELECT sum(players)::bigint FROM rating_bands WHERE level = -1) AS total_players
FROM player_profiles AS p
WHERE p.id = $1;
