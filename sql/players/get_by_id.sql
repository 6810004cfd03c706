-- players/get_by_id: one player.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: the player's row, or no row.
-- Index: player_profiles_pkey.
SELECT id, username, email, player_skill_rating, created_at
FROM player_profiles
WHERE id = $1;
