-- Drops the players table with its indexes.
SET LOCAL lock_timeout = '5s';

DROP TABLE player_profiles;
