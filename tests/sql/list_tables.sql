-- The service's tables present in the current database.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = current_schema()
  AND table_name IN ('player_profiles', 'game_scenarios', 'rating_bands')
ORDER BY table_name
