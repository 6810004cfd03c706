-- truncate: empty the service's tables and restart their ids at 1, before a load.
--
-- Parameters: none
TRUNCATE game_scenarios, player_profiles RESTART IDENTITY;
