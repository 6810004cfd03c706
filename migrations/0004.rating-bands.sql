-- How many players stand in each band of 10 rating points, kept exact by triggers, so that a
-- rank ("1 + the number of players with a strictly higher rating") sums a few hundred small
-- rows and counts inside one band, instead of counting every player above. The total number
-- of players is the sum of all bands.
--
-- A band's count is split over 16 rows (a player counts in row id % 16), so that concurrent
-- results and sign-ups rarely wait on the same row.
-- depends: 0003.rating-engine
SET LOCAL lock_timeout = '5s';

-- The band of a rating; every use goes through this one definition.
CREATE FUNCTION rating_band(rating double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor(rating / 10)::integer;

CREATE TABLE rating_bands (
    band    integer NOT NULL,
    shard   smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
    -- No CHECK (players >= 0): an upsert of a decrement is checked as a fresh row first.
    players bigint NOT NULL,
    PRIMARY KEY (band, shard)
);

-- Counts every band afresh. The triggers below keep the counts for the service's one-row
-- writes; a bulk load or purge is faster with them disabled and this called once after
-- (ALTER TABLE player_profiles DISABLE TRIGGER USER; ...; ENABLE TRIGGER USER), since
-- thousands of row-level upserts of the same band rows in one statement pile up row versions.
CREATE FUNCTION rating_bands_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM rating_bands;
    INSERT INTO rating_bands (band, shard, players)
    SELECT rating_band(player_skill_rating), id % 16, count(*)
    FROM player_profiles
    GROUP BY 1, 2;
$$;

-- Lock out writers while the current counts are taken, so none is missed.
LOCK TABLE player_profiles IN SHARE MODE;
SELECT rating_bands_rebuild();

-- Moving a player between bands is one upsert of two rows, lower band first, so that two
-- transactions always take the band rows' locks in the same order.
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

CREATE FUNCTION rating_bands_track() RETURNS trigger
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

CREATE FUNCTION rating_bands_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM rating_bands;
    RETURN NULL;
END
$$;

-- Row-level: a single sign-up, result or delete (the service's writes) costs one small
-- upsert; a rating change that stays inside its band costs nothing.
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

CREATE TRIGGER rating_bands_after_truncate
    AFTER TRUNCATE ON player_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION rating_bands_clear();
