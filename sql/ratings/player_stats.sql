-- ratings/player_stats: a player's scenarios counted per type: all, completed, succeeded.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: no row when the player does not exist; otherwise one row per scenario type, or a
--   single row with a null scenario_type and zero counts when the player has no scenarios.
-- Index: player_profiles_pkey; game_scenarios_player_id_id_idx for the player's scenarios
--   (cost grows with their number).
SELECT s.scenario_type,
       count(s.id) AS total,
       count(s.is_successful) AS completed,
       count(*) FILTER (WHERE s.is_successful) AS succeeded
FROM player_profiles AS p
LEFT JOIN game_scenarios AS s ON s.player_id = p.id
WHERE p.id = $1
GROUP BY s.scenario_type
ORDER BY s.scenario_type;
