-- Results and ratings: the Elo rule, the order in which results were applied, and the
-- indexes behind the leaderboard, ranks and rating histories.
-- depends: 0002.create-game-scenarios
SET LOCAL lock_timeout = '5s';

-- The rating rule, and the one place its constants live. A scenario of difficulty d plays
-- like an opponent rated 100 * d; with S = 1 for success and 0 for failure:
--   E = 1 / (1 + 10 ^ ((100 * d - rating) / 400)),  rating' = rating + 32 * (S - E).
CREATE FUNCTION elo_rating_after(
    rating double precision, difficulty integer, succeeded boolean
) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN rating + 32 * (succeeded::integer - 1 / (1 + 10 ^ ((100 * difficulty - rating) / 400)));

-- Results are applied one at a time per player (under the player's row lock); this number,
-- taken while the lock is held, orders a player's history exactly as the results were applied.
CREATE SEQUENCE game_scenarios_result_order_seq AS bigint;
ALTER TABLE game_scenarios
    ADD COLUMN result_order bigint,
    ADD CONSTRAINT game_scenarios_result_order_with_result
        CHECK ((result_order IS NULL) = (is_successful IS NULL));
ALTER SEQUENCE game_scenarios_result_order_seq OWNED BY game_scenarios.result_order;

-- A player's rating history, in the order results were applied.
CREATE INDEX game_scenarios_player_id_result_order_idx
    ON game_scenarios (player_id, result_order)
    WHERE result_order IS NOT NULL;

-- The leaderboard order (rating descending, then id) and "how many rate higher" for ranks.
CREATE INDEX player_profiles_rating_id_idx
    ON player_profiles (player_skill_rating DESC, id);
