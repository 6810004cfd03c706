-- marker_get: the dataset the bench loaded here, if any.
--
-- Parameters: none
-- Returns: no row, or one row: players, scenarios, fingerprint, max_player_id, max_scenario_id.
SELECT players, scenarios, fingerprint, max_player_id, max_scenario_id
FROM bench_dataset;
