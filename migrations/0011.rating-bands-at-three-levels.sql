-- Ranks whose cost does not grow with the crowd: the rating bands counted at three levels, so
-- that "how many players rate strictly higher" sums some hundreds of small rows and counts
-- one by one only the players of one narrow band, 10/64 of a point wide.
--
-- 0009 counted every player of the rating's own 10-point band: at a million players the
-- middle band holds about 30,000. Now rating_bands counts players at three levels:
--   level -1  wide bands of 160 points (16 bands),
--   level  0  the bands of 10 points (rating_band()),
--   level  1  narrow bands of 10/64 points (about 0.16; 64 to a band).
-- players_rated_above(rating) sums the wide bands above the rating's, the bands above it
-- inside its wide band (15 at most), the narrow bands above it inside its band (63 at most),
-- each band's count split over rating_band_shards() rows as before: 16 rows for each wide
-- band above and at most 1,248 more (1,264 in the middle of a million players spread over 800
-- points). It counts one by one only the players of its own narrow band rated higher: a few
-- hundred at most at a million players, whose densest narrow band holds about 500.
--
-- Crowds of equal ratings. A rating exactly on a band's lower edge (every new player's 500)
-- is counted at levels -1 and 0 only: every other rating in its band is higher, so no narrow
-- band ever needs it. A sign-up writes two rows, and the crowd at 500 is never counted one by
-- one. A crowd elsewhere (players with the same history share a rating) would be, by the
-- players just below it in its narrow band; that count stops after rating_bands_crowd()
-- players and takes the narrow band from its other end: its count less its players at or
-- below the rating. Only two crowds in one narrow band would still be counted one by one.
--
-- Writes: a change of rating moves the player's rows at the levels whose band changed (the
-- narrow one nearly always for a result, the band often, the wide band seldom): one upsert of
-- up to six rows, in (level, band) order, so that two transactions take the rows' locks in
-- the same order. A row whose count falls to 0 stays, to be reused: at most one per band and
-- shard of the ratings ever held; rating_bands_rebuild() drops them.
--
-- A bulk load or purge is faster with the triggers disabled and rating_bands_rebuild()
-- called once after (ALTER TABLE player_profiles DISABLE TRIGGER USER; ...; ENABLE TRIGGER
-- USER), as 0004 says.
-- depends: 0009.players-rated-above
SET LOCAL lock_timeout = '5s';

-- Writers wait from here until the counts below are taken, so that none is missed.
LOCK TABLE player_profiles IN SHARE MODE;

DROP TRIGGER rating_bands_after_insert ON player_profiles;
DROP TRIGGER rating_bands_after_update ON player_profiles;
DROP TRIGGER rating_bands_after_delete ON player_profiles;

-- How many bands of a level one 10-point band makes (1/16 of a wide band, 64 narrow bands),
-- and how many players of a narrow band above a rating are counted one by one at most.
-- These and the three functions below are IMMUTABLE SQL expressions, not STRICT (a NULL
-- rating gives a NULL band all the same): the planner inlines them into the statements that
-- call them, and folds what is constant. Changing a scale takes a new migration that calls
-- rating_bands_rebuild().
CREATE FUNCTION rating_band_scale(level integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 2::double precision ^ CASE level WHEN -1 THEN -4 WHEN 0 THEN 0 WHEN 1 THEN 6 END;

CREATE FUNCTION rating_bands_crowd() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 256;

-- The band of a rating at a level: floor(rating / width * scale); at level 0 that of
-- rating_band(). Dividing by the width rounds monotonically and the scales are powers of two,
-- so bands nest (a band lies inside one band of each coarser level) and a rating is in band
-- b or higher exactly when it is at least rating_band_edge(level, b).
CREATE FUNCTION rating_band_at(level integer, rating double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN floor(rating / rating_band_width() * rating_band_scale(level))::bigint;

-- The lowest rating of a band, exactly.
CREATE FUNCTION rating_band_edge(level integer, band bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (band * rating_band_width())::double precision / rating_band_scale(level);

-- The band that counts a rating at a level: at level 1 none for a rating exactly on its
-- band's lower edge.
CREATE FUNCTION rating_band_counting(level integer, rating double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN level > 0 AND rating = rating_band_edge(0, rating_band_at(0, rating)) THEN NULL
            ELSE rating_band_at(level, rating)
       END;

-- Replaces 0009's definition (which reads the old table) before the table goes. PL/pgSQL
-- keeps each statement's plan for the session: a generic plan, since the custom plans
-- PostgreSQL would otherwise make for every rating cost more to make than to run. STABLE:
-- every statement sees the calling statement's snapshot, in which the counts and the players
-- agree (the triggers write both in one transaction). STRICT: no rating, no count.
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

DROP FUNCTION rating_bands_move(smallint, integer, integer);
DROP TABLE rating_bands;

CREATE TABLE rating_bands (
    level   smallint NOT NULL CHECK (level BETWEEN -1 AND 1),
    band    bigint NOT NULL,
    shard   smallint NOT NULL,
    -- No CHECK (players >= 0): an upsert of a decrement is checked as a fresh row first.
    players bigint NOT NULL,
    PRIMARY KEY (level, band, shard),
    CONSTRAINT rating_bands_shard_check CHECK (shard >= 0 AND shard < rating_band_shards())
)
-- Room on every page for a row's next version: an update stays on the row's page (a HOT
-- update, no index entry), so rows stay in the key order rating_bands_rebuild() wrote them
-- in, and a range of the key reads a few pages rather than a page a row.
WITH (fillfactor = 50);

CREATE OR REPLACE FUNCTION rating_bands_rebuild() RETURNS void
LANGUAGE sql AS $$
    DELETE FROM rating_bands;
    -- One pass over the players, counted by narrow band; the coarser levels add those counts
    -- up (a band's bands at a finer level lie inside it). A quarter of the time of counting
    -- each player at each level.
    WITH narrow AS (
        SELECT rating_band_at(1, player_skill_rating) AS band,
               rating_band_counting(1, player_skill_rating) IS NULL AS on_band_edge,
               id % rating_band_shards() AS shard,
               count(*) AS players
        FROM player_profiles
        GROUP BY 1, 2, 3
    )
    INSERT INTO rating_bands (level, band, shard, players)
    SELECT counted.level, counted.band, narrow.shard, sum(narrow.players)
    FROM narrow,
         LATERAL (SELECT level,
                         floor(narrow.band * rating_band_scale(level) / rating_band_scale(1))
                  FROM generate_series(-1, 1) AS level
                  WHERE level < 1 OR NOT narrow.on_band_edge) AS counted (level, band)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;
$$;

-- One upsert moves a player's rows at the levels whose band changed, in (level, band) order:
-- two transactions take the rows' locks in the same order. A rating that stays inside its
-- narrow band writes nothing.
CREATE OR REPLACE FUNCTION rating_bands_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- NULL on the side the operation lacks: no old rating on INSERT, no new one on DELETE.
    rating_before double precision := CASE WHEN TG_OP <> 'INSERT' THEN OLD.player_skill_rating END;
    rating_after double precision := CASE WHEN TG_OP <> 'DELETE' THEN NEW.player_skill_rating END;
    player_shard smallint :=
        (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END % rating_band_shards())::smallint;
BEGIN
    INSERT INTO rating_bands AS b (level, band, shard, players)
    SELECT by_level.level, moved.band, player_shard, moved.delta
    FROM (VALUES (-1, rating_band_counting(-1, rating_before),
                  rating_band_counting(-1, rating_after)),
                 (0, rating_band_counting(0, rating_before), rating_band_counting(0, rating_after)),
                 (1, rating_band_counting(1, rating_before), rating_band_counting(1, rating_after))
         ) AS by_level (level, band_before, band_after),
         LATERAL (VALUES (by_level.band_before, -1), (by_level.band_after, 1)) AS moved (band, delta)
    WHERE by_level.band_before IS DISTINCT FROM by_level.band_after
      AND moved.band IS NOT NULL
    ORDER BY by_level.level, moved.band
    ON CONFLICT (level, band, shard) DO UPDATE SET players = b.players + excluded.players;
    RETURN NULL;
END
$$;

CREATE TRIGGER rating_bands_after_insert
    AFTER INSERT ON player_profiles
    FOR EACH ROW EXECUTE FUNCTION rating_bands_track();

CREATE TRIGGER rating_bands_after_update
    AFTER UPDATE OF player_skill_rating ON player_profiles
    FOR EACH ROW
    WHEN (OLD.player_skill_rating <> NEW.player_skill_rating)
    EXECUTE FUNCTION rating_bands_track();

CREATE TRIGGER rating_bands_after_delete
    AFTER DELETE ON player_profiles
    FOR EACH ROW EXECUTE FUNCTION rating_bands_track();

SELECT rating_bands_rebuild();
-- Statistics now, not at autovacuum's leisure: the plans above are made once per session.
ANALYZE rating_bands;
