-- marker_set: record the dataset just loaded, from what the tables now hold.
--
-- Parameters:
--   $1 players      bigint  the size asked for
--   $2 scenarios    bigint  the size asked for
--   $3 fingerprint  text    hash of the load SQL and the applied migrations
-- Does: replaces the one row of bench_dataset.
INSERT INTO bench_dataset (players, scenarios, fingerprint, max_player_id, max_scenario_id)
SELECT $1, $2, $3,
       (SELECT coalesce(max(id), 0) FROM player_profiles),
       (SELECT coalesce(max(id), 0) FROM game_scenarios)
ON CONFLICT (only_row) DO UPDATE
SET players = excluded.players,
    scenarios = excluded.scenarios,
    fingerprint = excluded.fingerprint,
    max_player_id = excluded.max_player_id,
    max_scenario_id = excluded.max_scenario_id,
    loaded_at = excluded.loaded_at;
