-- dataset_check: is the loaded history consistent? Run after a load and by the smoke.
--
-- Parameters: none
-- Returns: one row of counts, each 0 when the data is consistent:
--   broken_links       results whose rating_before is not the rating_after of the player's
--                      previous result (or 500 for the first)
--   wrong_ratings      players whose rating is not their last rating_after (or 500)
--   early_completions  results completed before their scenario was created
WITH history AS (
    SELECT player_id, rating_before, rating_after, created_at, completed_at,
           lag(rating_after, 1, 500::double precision)
               OVER (PARTITION BY player_id ORDER BY result_order) AS previous_after,
           row_number() OVER (PARTITION BY player_id ORDER BY result_order DESC) AS from_last
    FROM game_scenarios
    WHERE result_order IS NOT NULL
)
SELECT (SELECT count(*) FROM history WHERE rating_before <> previous_after) AS broken_links,
       (SELECT count(*)
        FROM player_profiles AS p
        LEFT JOIN history AS h ON h.player_id = p.id AND h.from_last = 1
        WHERE p.player_skill_rating <> coalesce(h.rating_after, 500)) AS wrong_ratings,
       (SELECT count(*) FROM history WHERE completed_at < created_at) AS early_completions;
