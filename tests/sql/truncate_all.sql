-- Empties every table between tests, identities back to 1.
TRUNCATE player_profiles, game_scenarios RESTART IDENTITY CASCADE;
