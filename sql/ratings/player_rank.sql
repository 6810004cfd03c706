-- ratings/player_rank: where one player stands: 1 + the number of players with a strictly
-- higher rating, out of how many.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: one row (player_id, rank, player_skill_rating, total_players), or no row when the
--   player does not exist.
-- Indexes: player_profiles_pkey for the player; player_profiles_rating_id_idx range-scanned
--   for the count above it (cost grows with the player's rank); player_counts_pkey's 16 rows
--   for the total.
SELECT p.id AS player_id,
       1 + (SELECT count(*)
            FROM player_profiles AS higher
            WHERE higher.player_skill_rating > p.player_skill_rating) AS rank,
       p.player_skill_rating,
       (SELECT sum(players)::bigint FROM player_counts) AS total_players
FROM player_profiles AS p
WHERE p.id = $1;
