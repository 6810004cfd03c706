-- scenarios/get_by_id: one scenario.
--
-- Parameters:
--   $1 scenario_id  bigint
-- Returns: the scenario's row, or no row.
-- Index: game_scenarios_pkey.
SELECT id, player_id, scenario_type, content, difficulty_level, is_successful,
       created_at, completed_at, rating_before, rating_after
FROM game_scenarios
WHERE id = $1;
