-- players_rated_above(rating) with a plan that does not depend on the server's version: the
-- counts of the bands above the rating summed range by range rather than as one join.
--
-- 0011 joined three (level, first band, last band) ranges to rating_bands. Its generic plan
-- (the function forces one) is an index scan of rating_bands_pkey per range on PostgreSQL 18,
-- but on 15 a hash join that reads the whole table: some 20,000 rows at 18,000 players, about
-- 5 ms a rank rather than a tenth of that, growing with the ratings held. Three sums of one
-- range each leave the planner one choice, the index. The answer is the same.
--
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION players_rated_above(rating double precision) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET plan_cache_mode = force_generic_plan
AS $$
-- The label names the variables where rating_bands has a column of the same name (band).
<<counting>>
DECLARE
    wide bigint := rating_band_at(-1, rating);
    band bigint := rating_band_at(0, rating);
    narrow bigint := rating_band_at(1, rating);
    -- Bands nest: wide band w holds bands w * 16 .. w * 16 + 15, band b narrow bands
    -- b * 64 .. b * 64 + 63.
    bands_per_wide constant bigint := rating_band_scale(0) / rating_band_scale(-1);
    narrow_per_band constant bigint := rating_band_scale(1) / rating_band_scale(0);
    in_bands_above bigint;
    in_narrow_band bigint;
BEGIN
    -- The wide bands above; the bands above inside the wide band; the narrow bands above
    -- inside the band: one range of rating_bands_pkey each, as three sums of one table, so
    -- that the generic plan is an index scan on every PostgreSQL (a join of the three ranges
    -- was a hash join over the whole table on 15).
    in_bands_above :=
        (SELECT coalesce(sum(b.players), 0)
         FROM rating_bands AS b
         WHERE b.level = -1 AND b.band > wide)
      + (SELECT coalesce(sum(b.players), 0)
         FROM rating_bands AS b
         WHERE b.level = 0 AND b.band > counting.band
           AND b.band <= (wide + 1) * bands_per_wide - 1)
      + (SELECT coalesce(sum(b.players), 0)
         FROM rating_bands AS b
         WHERE b.level = 1 AND b.band > narrow
           AND b.band <= (counting.band + 1) * narrow_per_band - 1);
    -- The players of its own narrow band rated higher, one by one, up to rating_bands_crowd()
    -- of them: player_profiles_rating_id_idx walked in its order, which the LIMIT stops (a
    -- bitmap scan would read them all first).
    in_narrow_band := (
        SELECT count(*)
        FROM (SELECT
              FROM player_profiles AS p
              WHERE p.player_skill_rating > rating
                AND p.player_skill_rating < rating_band_edge(1, narrow + 1)
              ORDER BY p.player_skill_rating DESC
              LIMIT rating_bands_crowd()) AS higher);
    IF in_narrow_band = rating_bands_crowd() THEN
        -- A crowd: the narrow band's count less its players at or below the rating (a rating
        -- on the band's lower edge is not in that count).
        in_narrow_band := (
            SELECT coalesce(sum(b.players), 0)
            FROM rating_bands AS b
            WHERE b.level = 1 AND b.band = narrow)
          - (SELECT count(*)
             FROM player_profiles AS p
             WHERE p.player_skill_rating <= rating
               AND p.player_skill_rating >= rating_band_edge(1, narrow)
               AND p.player_skill_rating > rating_band_edge(0, band));
    END IF;
    RETURN in_bands_above + in_narrow_band;
END counting
$$;
