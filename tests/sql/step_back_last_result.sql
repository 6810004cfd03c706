-- Records the last result applied as completed an hour earlier, as a clock stepped back
-- between two results would have.
UPDATE game_scenarios
SET completed_at = completed_at - interval '1 hour'
WHERE result_order = (SELECT max(result_order) FROM game_scenarios);
