-- Puts back the rating bands of 0004/0005 (one scale, 10 points) and 0009's count of the
-- players rated above, and counts the bands afresh, writers locked out meanwhile.
SET LOCAL lock_timeout = '5s';

LOCK TABLE player_profiles IN SHARE MODE;

DROP TRIGGER rating_bands_after_insert ON player_profiles;
DROP TRIGGER rating_bands_after_update ON player_profiles;
DROP TRIGGER rating_bands_after_delete ON player_profiles;

DROP TABLE rating_bands;

CREATE TABLE rating_bands (
    band    integer NOT NULL,
    shard   smallint NOT NULL,
    -- No CHECK (players >= 0): an upsert of a decrement is checked as a fresh row first.
    players bigint NOT NULL,
    PRIMARY KEY (band, shard),
    CONSTRAINT rating_bands_shard_check CHECK (shard >= 0 AND shard < rating_band_shards())
);

CREATE OR REPLACE FUNCTION rating_bands_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM rating_bands;
    INSERT INTO rating_bands (band, shard, players)
    SELECT rating_band(player_skill_rating), id % rating_band_shards(), count(*)
    FROM player_profiles
    GROUP BY 1, 2;
$$;

CREATE FUNCTION rating_bands_move(shard smallint, from_band integer, to_band integer)
RETURNS void
LANGUAGE sql AS $$
    INSERT INTO rating_bands AS b (band, shard, players)
    SELECT move.band, rating_bands_move.shard, move.delta
    FROM (VALUES (from_band, -1), (to_band, 1)) AS move (band, delta)
    WHERE move.band IS NOT NULL
    ORDER BY move.band
    ON CONFLICT (band, shard) DO UPDATE SET players = b.players + excluded.players
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

CREATE TRIGGER rating_bands_after_insert
    AFTER INSERT ON player_profiles
    FOR EACH ROW EXECUTE FUNCTION rating_bands_track();

CREATE TRIGGER rating_bands_after_update
    AFTER UPDATE OF player_skill_rating ON player_profiles
    FOR EACH ROW
    WHEN (rating_band(OLD.player_skill_rating) <> rating_band(NEW.player_skill_rating))
    EXECUTE FUNCTION rating_bands_track();

CREATE TRIGGER rating_bands_after_delete
    AFTER DELETE ON player_profiles
    FOR EACH ROW EXECUTE FUNCTION rating_bands_track();

SELECT rating_bands_rebuild();

-- 0009's definition, as it was.
CREATE OR REPLACE FUNCTION players_rated_above(rating double precision) RETURNS bigint
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

DROP FUNCTION rating_band_counting(integer, double precision);
DROP FUNCTION rating_band_edge(integer, bigint);
DROP FUNCTION rating_band_at(integer, double precision);
DROP FUNCTION rating_bands_crowd();
DROP FUNCTION rating_band_scale(integer);
