-- Puts back 0004's definitions, with the constants written out, and removes the two
-- functions that named them.
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION rating_bands_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rating_bands_move((NEW.id % 16)::smallint, NULL,
                                  rating_band(NEW.player_skill_rating));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM rating_bands_move((NEW.id % 16)::smallint, rating_band(OLD.player_skill_rating),
                                  rating_band(NEW.player_skill_rating));
    ELSE
        PERFORM rating_bands_move((OLD.id % 16)::smallint, rating_band(OLD.player_skill_rating),
                                  NULL);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rating_bands_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM rating_bands;
    INSERT INTO rating_bands (band, shard, players)
    SELECT rating_band(player_skill_rating), id % 16, count(*)
    FROM player_profiles
    GROUP BY 1, 2;
$$;

ALTER TABLE rating_bands DROP CONSTRAINT rating_bands_shard_check;
ALTER TABLE rating_bands ADD CONSTRAINT rating_bands_shard_check CHECK (shard BETWEEN 0 AND 15);

CREATE OR REPLACE FUNCTION rating_band(rating double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor(rating / 10)::integer;

DROP FUNCTION rating_band_shards();
DROP FUNCTION rating_band_width();
