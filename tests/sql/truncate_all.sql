-- Empties every table between tests, identities back to 1, rate-limit counts forgotten.
TRUNCATE player_profiles, game_scenarios, api_clients, rate_limits RESTART IDENTITY CASCADE;
