-- Empties every table between tests, identities back to 1, rate-limit counts and idempotency
-- keys forgotten.
TRUNCATE player_profiles, game_scenarios, api_clients, rate_limits, idempotency_keys
RESTART IDENTITY CASCADE;
