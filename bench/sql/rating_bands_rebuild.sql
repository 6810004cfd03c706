-- rating_bands_rebuild: count every rating band afresh (the migration's own function), after
-- the bulk load ran with the triggers off.
--
-- Parameters: none
-- Returns: nothing.
SELECT rating_bands_rebuild();
