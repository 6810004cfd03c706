-- scenarios_fill: copy the generated scenarios into game_scenarios with their rating history.
--
-- Parameters: none
-- Does: one INSERT ... SELECT from bench_raw_scenarios, ids kept (OVERRIDING SYSTEM VALUE;
--   scenarios_sequence_sync moves the identities past them). Results are applied in
--   completion order: result_order numbers them that way across all players, and
--   rating_before / rating_after come from running the rating rule over each player's results
--   in that order, so each result's rating_before is the previous one's rating_after (500 for
--   the first) and the last rating_after is the player's rating (players_fill).
INSERT INTO game_scenarios (
    id, player_id, scenario_type, content, difficulty_level, is_successful,
    created_at, completed_at, rating_before, rating_after, result_order
)
OVERRIDING SYSTEM VALUE
SELECT id, player_id, scenario_type, content, difficulty_level, is_successful,
       created_at, completed_at,
       CASE WHEN is_successful IS NOT NULL THEN
           pg_temp.bench_elo_fold(difficulty_level, is_successful)
               FILTER (WHERE is_successful IS NOT NULL)
               OVER (history ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
       END,
       CASE WHEN is_successful IS NOT NULL THEN
           pg_temp.bench_elo_fold(difficulty_level, is_successful)
               FILTER (WHERE is_successful IS NOT NULL)
               OVER (history ROWS UNBOUNDED PRECEDING)
       END,
       CASE WHEN is_successful IS NOT NULL THEN
           count(*) FILTER (WHERE is_successful IS NOT NULL)
               OVER (ORDER BY completed_at, id ROWS UNBOUNDED PRECEDING)
       END
FROM bench_raw_scenarios
WINDOW history AS (PARTITION BY player_id ORDER BY completed_at, id);
