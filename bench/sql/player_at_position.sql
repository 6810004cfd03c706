-- player_at_position: the id of the player at a given place in the leaderboard's order, to
-- time a rank at the top, in the middle and at the bottom of the table.
--
-- Parameters:
--   $1 position  bigint  0 for the highest rated
-- Returns: one row (id), or none past the end.
-- Index: player_profiles_rating_id_idx, walked for $1 + 1 entries.
SELECT id
FROM player_profiles
ORDER BY player_skill_rating DESC, id
OFFSET $1
LIMIT 1;
