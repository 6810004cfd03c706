-- Deletes every player whose id is a multiple of 4, and the one with id 3.
DELETE FROM player_profiles WHERE id % 4 = 0 OR id = 3;
