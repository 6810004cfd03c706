-- rating_triggers_disable: switch off the players' triggers (the rating bands) for a bulk
-- load; rating_bands_rebuild then counts the bands once. Inside the load's
-- transaction, so a failed load leaves them on.
--
-- Parameters: none
-- Returns: nothing.
ALTER TABLE player_profiles DISABLE TRIGGER USER;
