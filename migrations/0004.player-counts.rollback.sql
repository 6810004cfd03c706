-- Removes the player count and its triggers.
SET LOCAL lock_timeout = '5s';

DROP TRIGGER player_counts_after_truncate ON player_profiles;
DROP TRIGGER player_counts_after_delete ON player_profiles;
DROP TRIGGER player_counts_after_insert ON player_profiles;
DROP FUNCTION player_counts_reset();
DROP FUNCTION player_counts_remove_deleted();
DROP FUNCTION player_counts_add_inserted();
DROP TABLE player_counts;
