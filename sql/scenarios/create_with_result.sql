-- scenarios/create_with_result: add a scenario already played, applying its result to the
-- player's rating by the Elo rule (elo_rating_after), atomically, in one statement.
--
-- Locks the player row (FOR NO KEY UPDATE) so that results for one player apply one at a time;
-- it locks no other scenario, so its order (player first) is that of scenarios/record_result and
-- players/delete.
--
-- Parameters:
--   $1 player_id         bigint
--   $2 scenario_type     text     1-50 characters
--   $3 content           text     1-10,000 characters
--   $4 difficulty_level  integer  1-10
--   $5 is_successful     boolean  not null
-- Returns: the new scenario's row, or no row when the player does not exist.
-- Index: player_profiles_pkey.
WITH player AS (
    SELECT id, player_skill_rating
    FROM player_profiles
    WHERE id = $1
    FOR NO KEY UPDATE
), rated AS (
    UPDATE player_profiles AS p
    SET player_skill_rating = elo_rating_after(player.player_skill_rating, $4, $5)
    FROM player
    WHERE p.id = player.id
    RETURNING p.id, player.player_skill_rating AS rating_before,
              p.player_skill_rating AS rating_after
)
INSERT INTO game_scenarios (player_id, scenario_type, content, difficulty_level, is_successful,
                            completed_at, rating_before, rating_after, result_order)
SELECT rated.id, $2, $3, $4, $5,
       clock_timestamp(), rated.rating_before, rated.rating_after,
       nextval('game_scenarios_result_order_seq')
FROM rated
RETURNING id, player_id, scenario_type, content, difficulty_level, is_successful,
          created_at, completed_at, rating_before, rating_after;
