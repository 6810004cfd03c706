-- scenarios/create: add a scenario, not yet played, for a player.
--
-- Parameters:
--   $1 player_id         bigint
--   $2 scenario_type     text     1-50 characters
--   $3 content           text     1-10,000 characters
--   $4 difficulty_level  integer  1-10
-- Returns: the new scenario's row.
-- Index: player_profiles_pkey, through the foreign key check; a missing player fails on
--   game_scenarios_player_id_fkey, which the service maps to 404 "Player not found".
INSERT INTO game_scenarios (player_id, scenario_type, content, difficulty_level)
VALUES ($1, $2, $3, $4)
RETURNING id, player_id, scenario_type, content, difficulty_level, is_successful,
          created_at, completed_at, rating_before, rating_after;
