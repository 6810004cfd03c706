-- tables_count: whether the service's tables hold anything, before the bench empties them.
--
-- Parameters: none
-- Returns: one row: players and scenarios, each 0 or 1 (is there at least one row).
SELECT (SELECT count(*) FROM (SELECT 1 FROM player_profiles LIMIT 1) AS p) AS players,
       (SELECT count(*) FROM (SELECT 1 FROM game_scenarios LIMIT 1) AS s) AS scenarios;
