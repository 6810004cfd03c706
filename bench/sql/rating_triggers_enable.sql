-- rating_triggers_enable: switch the players' triggers back on after a bulk load or purge.
--
-- Parameters: none
-- Returns: nothing.
ALTER TABLE player_profiles ENABLE TRIGGER USER;
