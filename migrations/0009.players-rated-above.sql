-- One definition of "how many players rate strictly higher than this rating", the count that
-- every competition rank (1 + that count) is built from: a player's rank, the first rank of a
-- leaderboard page, the ranks around a player. The statements in sql/ratings call it, so the
-- structure that answers it can change in a later migration without touching them.
--
-- This definition sums the rating bands above the rating's own band (a few hundred rows at
-- most) and counts the players inside its band with a higher rating
-- (player_profiles_rating_id_idx, range-scanned): the one part whose cost grows with the
-- number of players, those who share the band.
--
-- STABLE: its statements see the calling statement's snapshot. (Migration 0011 replaces the
-- body; this SQL function was not inlined, since it holds subqueries.)
-- depends: 0005.rating-band-constants
SET LOCAL lock_timeout = '5s';

CREATE FUNCTION players_rated_above(rating double precision) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (SELECT coalesce(sum(b.players), 0)::bigint
        FROM rating_bands AS b
        WHERE b.band > rating_band(rating))
     + (SELECT count(*)
        FROM player_profiles AS same_band
        WHERE same_band.player_skill_rating > rating
          -- Division rounds monotonically, so these two bounds hold exactly the higher
          -- ratings whose rating_band() is the rating's own.
          AND same_band.player_skill_rating
              < rating_band_width() * (rating_band(rating) + 1));
