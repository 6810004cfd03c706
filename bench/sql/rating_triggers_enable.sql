-- rating_triggers_enable: switch the players' triggers back on after the bulk load.
--
-- Parameters: none
-- Returns: nothing.
ALTER TABLE player_profiles ENABLE TRIGGER USER;
