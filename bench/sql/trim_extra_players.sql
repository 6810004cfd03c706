-- trim_extra_players: drop the players (and with them, by the cascade, their scenarios) that
-- earlier bench runs created past the loaded dataset, so every run starts from the same size.
--
-- Parameters:
--   $1 max_player_id  bigint  the last id the load created
-- Does: one DELETE; the scenarios of loaded players are trimmed by trim_extra_scenarios.
DELETE FROM player_profiles
WHERE id > $1;
