-- players_sequence_sync: move player_profiles' identity past the ids the load gave
-- explicitly, so the service's next INSERT gets a fresh id.
--
-- Parameters: none
-- Returns: the identity's new last value.
SELECT setval(pg_get_serial_sequence('player_profiles', 'id'),
              greatest((SELECT max(id) FROM player_profiles), 1));
