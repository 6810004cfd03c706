-- trim_extra_scenarios: drop the scenarios that earlier bench runs created past the loaded
-- dataset (POST /scenarios/ and the pools for POST /scenarios/{id}/result).
--
-- Parameters:
--   $1 max_scenario_id  bigint  the last id the load created
-- Does: one DELETE, walking game_scenarios_pkey from $1 up.
DELETE FROM game_scenarios
WHERE id > $1;
