-- How many players stand in each band of 10 rating points, kept exact by triggers, so that a
-- rank ("1 + the number of players with a strictly higher rating") sums a few hundred small
-- rows and counts inside one band, instead of counting every player above. The total number
-- of players is the sum of all bands.
--
-- A band's count is split over 16 rows (a player counts in row id % 16), so that concurrent
-- results and sign-ups rarely wait on the same row. Statement-level triggers with transition
-- tables turn any INSERT, UPDATE or DELETE of players into one upsert, its rows in (band,
-- shard) order so that two transactions always lock them in the same order.
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

-- Lock out writers while the current counts are taken, so none is missed.
LOCK TABLE player_profiles IN SHARE MODE;

INSERT INTO rating_bands (band, shard, players)
SELECT rating_band(player_skill_rating), id % 16, count(*)
FROM player_profiles
GROUP BY 1, 2;

-- Each trigger is one upsert of per-(band, shard) changes, in that order.

CREATE FUNCTION rating_bands_count_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rating_bands AS b (band, shard, players)
    SELECT rating_band(player_skill_rating), id % 16, count(*)
    FROM inserted
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (band, shard) DO UPDATE SET players = b.players + excluded.players;
    RETURN NULL;
END
$$;

CREATE FUNCTION rating_bands_count_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rating_bands AS b (band, shard, players)
    SELECT band, shard, sum(delta)
    FROM (
        SELECT rating_band(player_skill_rating) AS band, id % 16 AS shard, 1 AS delta
        FROM updated_new
        UNION ALL
        SELECT rating_band(player_skill_rating), id % 16, -1
        FROM updated_old
    ) AS moves
    GROUP BY band, shard
    HAVING sum(delta) <> 0
    ORDER BY band, shard
    ON CONFLICT (band, shard) DO UPDATE SET players = b.players + excluded.players;
    RETURN NULL;
END
$$;

CREATE FUNCTION rating_bands_count_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rating_bands AS b (band, shard, players)
    SELECT rating_band(player_skill_rating), id % 16, -count(*)
    FROM deleted
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (band, shard) DO UPDATE SET players = b.players + excluded.players;
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

CREATE TRIGGER rating_bands_after_insert
    AFTER INSERT ON player_profiles
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION rating_bands_count_inserted();

-- Transition tables cannot go with a column list, so this fires on every UPDATE; one that
-- moves no rating between bands changes nothing.
CREATE TRIGGER rating_bands_after_update
    AFTER UPDATE ON player_profiles
    REFERENCING OLD TABLE AS updated_old NEW TABLE AS updated_new
    FOR EACH STATEMENT EXECUTE FUNCTION rating_bands_count_updated();

CREATE TRIGGER rating_bands_after_delete
    AFTER DELETE ON player_profiles
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION rating_bands_count_deleted();

CREATE TRIGGER rating_bands_after_truncate
    AFTER TRUNCATE ON player_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION rating_bands_clear();
