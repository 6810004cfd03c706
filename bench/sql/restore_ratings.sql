-- restore_ratings: undo what earlier bench runs' results did to the loaded players' ratings,
-- before trim_extra_scenarios drops those results, so that every rating is again the last
-- rating_after of the player's loaded history (or 500 without one).
--
-- Parameters:
--   $1 max_scenario_id  bigint  the last scenario id the load created
-- Does: one UPDATE of the players that have a result past $1; each rating read back through
--   game_scenarios_player_id_result_order_idx.
UPDATE player_profiles AS p
SET player_skill_rating = coalesce(
    (SELECT s.rating_after
     FROM game_scenarios AS s
     WHERE s.player_id = p.id
       AND s.result_order IS NOT NULL
       AND s.id <= $1
     ORDER BY s.result_order DESC
     LIMIT 1),
    500)
WHERE p.id IN (
    SELECT player_id
    FROM game_scenarios
    WHERE id > $1
      AND result_order IS NOT NULL
);
