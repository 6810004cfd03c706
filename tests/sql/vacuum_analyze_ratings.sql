-- Fresh statistics and visibility map, as autovacuum would leave the settled tables: the
-- players and the rating bands their ratings are counted in (both change in bulk in a test,
-- and a plan made on one table's stale statistics is kept for every call after it).
VACUUM (ANALYZE) player_profiles, rating_bands;
