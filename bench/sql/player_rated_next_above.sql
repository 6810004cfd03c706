-- player_rated_next_above: the lowest-rated player rated strictly higher than a given player,
-- to time a rank just beside a crowd of equal ratings (the middle of the scaling study's
-- players sits in the crowd at the start rating).
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: one row (id), or none when no one rates higher.
-- Index: player_profiles_pkey for the player; player_profiles_rating_id_idx, sought once.
SELECT higher.id
FROM player_profiles AS p
JOIN LATERAL (
    SELECT id
    FROM player_profiles
    WHERE player_skill_rating > p.player_skill_rating
    ORDER BY player_skill_rating, id DESC
    LIMIT 1
) AS higher ON true
WHERE p.id = $1;
