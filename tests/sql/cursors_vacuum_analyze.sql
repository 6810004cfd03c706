-- Fresh statistics and visibility maps for both tables a page reads.
VACUUM (ANALYZE) player_profiles, game_scenarios;
