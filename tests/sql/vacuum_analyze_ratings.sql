-- Fresh statistics and visibility map, as autovacuum would leave a settled table.
VACUUM (ANALYZE) player_profiles;
