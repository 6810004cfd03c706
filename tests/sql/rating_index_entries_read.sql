-- How many entries of player_profiles_rating_id_idx this transaction has read so far.
SELECT pg_stat_get_xact_tuples_returned('player_profiles_rating_id_idx'::regclass);
