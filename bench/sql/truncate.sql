-- truncate: empty the service's tables and restart their ids at 1, before a load.
--
-- Parameters: none
TRUNCATE game_scenarios, auth_refresh_tokens, auth_sessions, player_credentials, player_profiles
RESTART IDENTITY;
