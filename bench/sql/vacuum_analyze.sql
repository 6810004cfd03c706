-- vacuum_analyze: after the load, the tables as autovacuum would keep a live database:
-- dead rows reclaimed, the visibility map set (index-only scans can skip the heap) and fresh
-- planner statistics.
--
-- Parameters: none
VACUUM (ANALYZE) player_profiles, game_scenarios;
