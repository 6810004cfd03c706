-- players/delete: delete a player; their scenarios go with them (ON DELETE CASCADE).
--
-- Locks: the player row first, then (the cascade) their scenarios' rows: the order of
-- scenarios/record_result and scenarios/create_with_result.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: the deleted id, or no row when the player does not exist.
-- Index: player_profiles_pkey; the cascade finds the scenarios by
--   game_scenarios_player_id_id_idx.
DELETE FROM player_profiles
WHERE id = $1
RETURNING id;
