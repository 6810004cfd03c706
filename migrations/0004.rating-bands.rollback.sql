-- Removes the rating bands, their triggers and functions.
SET LOCAL lock_timeout = '5s';

DROP TRIGGER rating_bands_after_truncate ON player_profiles;
DROP TRIGGER rating_bands_after_delete ON player_profiles;
DROP TRIGGER rating_bands_after_update ON player_profiles;
DROP TRIGGER rating_bands_after_insert ON player_profiles;
DROP FUNCTION rating_bands_clear();
DROP FUNCTION rating_bands_track();
DROP FUNCTION rating_bands_move(smallint, integer, integer);
DROP FUNCTION rating_bands_rebuild();
DROP TABLE rating_bands;
DROP FUNCTION rating_band(double precision);
