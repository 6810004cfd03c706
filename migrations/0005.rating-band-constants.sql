-- The rating bands' two constants, each defined once: the width of a band (10 rating points)
-- and the number of rows a band's count is split over (16). rating_band(), the functions that
-- keep the counts, the shard CHECK and sql/ratings/player_rank.sql all read them from here.
--
-- Both are IMMUTABLE SQL functions: the planner inlines them and folds them to constants, so
-- the statements that use them plan exactly as with the literals. Changing either value takes
-- a new migration that replaces the function and calls rating_bands_rebuild().
-- depends: 0004.rating-bands
SET LOCAL lock_timeout = '5s';

CREATE FUNCTION rating_band_width() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10;

CREATE FUNCTION rating_band_shards() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 16;

-- The same definitions as in 0004, with the constants named.
CREATE OR REPLACE FUNCTION rating_band(rating double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor(rating / rating_band_width())::integer;

ALTER TABLE rating_bands DROP CONSTRAINT rating_bands_shard_check;
ALTER TABLE rating_bands ADD CONSTRAINT rating_bands_shard_check
    CHECK (shard >= 0 AND shard < rating_band_shards());

CREATE OR REPLACE FUNCTION rating_bands_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM rating_bands;
    INSERT INTO rating_bands (band, shard, players)
    SELECT rating_band(player_skill_rating), id % rating_band_shards(), count(*)
    FROM player_profiles
    GROUP BY 1, 2;
$$;

CREATE OR REPLACE FUNCTION rating_bands_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rating_bands_move((NEW.id % rating_band_shards())::smallint, NULL,
                                  rating_band(NEW.player_skill_rating));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM rating_bands_move((NEW.id % rating_band_shards())::smallint,
                                  rating_band(OLD.player_skill_rating),
                                  rating_band(NEW.player_skill_rating));
    ELSE
        PERFORM rating_bands_move((OLD.id % rating_band_shards())::smallint,
                                  rating_band(OLD.player_skill_rating), NULL);
    END IF;
    RETURN NULL;
END
$$;
