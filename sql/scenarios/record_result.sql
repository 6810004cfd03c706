-- scenarios/record_result: record a scenario's result once and move its player's rating by
-- the Elo rule (elo_rating_after), atomically, in one statement.
--
-- Locks: the player row first (FOR NO KEY UPDATE, the same order as a player's delete and a
-- scenario created with its result), then the scenario row. A concurrent result for the same
-- scenario waits, then finds is_successful set and records nothing; results for one player
-- queue on the player row, each starting from the rating the previous one left.
--
-- Parameters:
--   $1 scenario_id    bigint
--   $2 is_successful  boolean
-- Returns: one row. scenario_exists tells 404 from 409 when nothing was recorded (id is null);
--   otherwise the scenario's row as recorded.
-- Index: game_scenarios_pkey (scenario, twice), player_profiles_pkey (player).
WITH target AS (
    SELECT player_id
    FROM game_scenarios
    WHERE id = $1
), player AS (
    SELECT p.id, p.player_skill_rating
    FROM player_profiles AS p
    JOIN target AS t ON t.player_id = p.id
    FOR NO KEY UPDATE OF p
), scenario AS (
    SELECT s.id, s.difficulty_level
    FROM game_scenarios AS s
    JOIN player ON player.id = s.player_id
    WHERE s.id = $1
      AND s.is_successful IS NULL
    FOR NO KEY UPDATE OF s
), rated AS (
    UPDATE player_profiles AS p
    SET player_skill_rating =
        elo_rating_after(player.player_skill_rating, scenario.difficulty_level, $2)
    FROM player, scenario
    WHERE p.id = player.id
    RETURNING player.player_skill_rating AS rating_before, p.player_skill_rating AS rating_after
), recorded AS (
    UPDATE game_scenarios AS s
    SET is_successful = $2,
        completed_at = clock_timestamp(),
        rating_before = rated.rating_before,
        rating_after = rated.rating_after,
        result_order = nextval('game_scenarios_result_order_seq')
    FROM rated
    WHERE s.id = $1
    RETURNING s.id, s.player_id, s.scenario_type, s.content, s.difficulty_level, s.is_successful,
              s.created_at, s.completed_at, s.rating_before, s.rating_after
)
-- Nothing recorded while the player row was locked means the result was there already; a
-- player (and so scenario) gone by the time the lock was granted means 404.
SELECT EXISTS (SELECT FROM player) AS scenario_exists, recorded.*
FROM (VALUES (1)) AS one
LEFT JOIN recorded ON true;
