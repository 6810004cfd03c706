-- Empties every table between tests, identities back to 1.
TRUNCATE player_profiles, game_scenarios, api_clients RESTART IDENTITY CASCADE;
