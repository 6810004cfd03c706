-- ratings/rating_history: a player's results in the order they were applied, each with the
-- rating just before and just after it.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: no row when the player does not exist; otherwise one row per result, or a single
--   row of nulls when the player has none.
-- Index: player_profiles_pkey; game_scenarios_player_id_result_order_idx, walked in order.
SELECT s.id AS scenario_id, s.completed_at, s.difficulty_level, s.is_successful,
       s.rating_before, s.rating_after
FROM player_profiles AS p
LEFT JOIN game_scenarios AS s ON s.player_id = p.id AND s.result_order IS NOT NULL
WHERE p.id = $1
ORDER BY s.result_order;
