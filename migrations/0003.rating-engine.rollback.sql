-- Removes the rating engine: its indexes, the result order and the Elo function.
SET LOCAL lock_timeout = '5s';

DROP INDEX player_profiles_rating_id_idx;
DROP INDEX game_scenarios_player_id_result_order_idx;
ALTER TABLE game_scenarios
    DROP CONSTRAINT game_scenarios_result_order_with_result,
    DROP COLUMN result_order;
DROP FUNCTION elo_rating_after(double precision, integer, boolean);
