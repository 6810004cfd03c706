-- ratings/player_rank: where one player stands: 1 + the number of players with a strictly
-- higher rating, out of how many.
--
-- The players above are those of every higher rating band (rating_bands, kept exact by
-- triggers) plus those of the player's own band with a higher rating. The total is the sum
-- of all bands.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: one row (player_id, rank, player_skill_rating, total_players), or no row when the
--   player does not exist.
-- Indexes: player_profiles_pkey for the player; rating_bands_pkey for the bands above (a few
--   hundred rows at most, whatever the number of players); player_profiles_rating_id_idx
--   range-scanned inside the player's own band, the one part whose cost grows with the
--   number of players (those sharing the player's band, rating_band_width() points wide).
SELECT p.id AS player_id,
       (1 + (SELECT coalesce(sum(b.players), 0)
            FROM rating_bands AS b
            WHERE b.band > rating_band(p.player_skill_rating))
         + (SELECT count(*)
            FROM player_profiles AS same_band
            WHERE same_band.player_skill_rating > p.player_skill_rating
              -- Division rounds monotonically, so these two bounds hold exactly the higher
              -- ratings whose rating_band() is the player's own.
              AND same_band.player_skill_rating
                  < rating_band_width() * (rating_band(p.player_skill_rating) + 1)
           ))::bigint AS rank,
       p.player_skill_rating,
       (SELECT sum(players)::bigint FROM rating_bands) AS total_players
FROM player_profiles AS p
WHERE p.id = $1;
