-- Back to 0011's players_rated_above(rating): the bands above summed as one join.
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION players_rated_above(rating double precision) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET plan_cache_mode = force_generic_plan
AS $$
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
    -- inside the band (rating_bands_pkey, one range each).
    in_bands_above := (
        SELECT coalesce(sum(b.players), 0)
        FROM (VALUES (-1, wide, 9223372036854775807),
                     (0, band, (wide + 1) * bands_per_wide - 1),
                     (1, narrow, (band + 1) * narrow_per_band - 1)
             ) AS above (level, after_band, last_band)
        JOIN rating_bands AS b
          ON b.level = above.level AND b.band > above.after_band AND b.band <= above.last_band);
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
END
$$;
