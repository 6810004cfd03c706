-- Ranks whose cost does not grow with the crowd: the rating bands counted at four levels, so
-- that "how many players rate strictly higher" sums a few hundred small rows and counts one
-- by one only the players of one band 0.04 points wide.
--
-- 0009 counted every player of the rating's own 10-point band: at a million players the
-- middle band holds about 30,000. Now rating_bands counts players at four levels, each band
-- split into rating_band_split() (16) bands of the next level:
--   level -1  bands of 160 points,
--   level  0  bands of 10 points (rating_band()),
--   level  1  bands of 0.625 points,
--   level  2  bands of 10/256 points (about 0.04).
-- players_rated_above(rating) sums the level -1 bands above the rating's, then at each finer
-- level the bands above the rating's inside its band of the coarser level (15 at most), each
-- band's count split over rating_band_shards() rows as before: at most about 800 rows in all.
-- It counts one by one only the players of its own level-2 band rated higher: about 130 in
-- the crowded middle of a million.
--
-- Crowds of equal ratings. A rating exactly on a 10-point band's lower edge (every new
-- player's 500) is counted at levels -1 and 0 only: every other rating in its 10-point band
-- is higher, so no finer band ever needs it. A sign-up writes two rows, and the crowd at 500
-- is never counted one by one. A crowd elsewhere (players with the same history share a
-- rating) would be, by the players just below it in its level-2 band; that count stops after
-- rating_bands_crowd() players and takes the band from its other end: the band's count less
-- its players at or below the rating. Two crowds in one level-2 band would still be counted.
--
-- Writes: a change of rating moves the player's rows at the levels whose band changed (level
-- 2 and 1 nearly always for a result, level 0 often, level -1 seldom): one upsert of up to
-- eight rows, in (level, band) order, so that two transactions take the rows' locks in the
-- same order. A row whose count falls to 0 stays, to be reused: at most one per band and
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

-- Into how many bands of the next level a band splits, and how many players of a level-2
-- band above a rating are counted one by one at most. IMMUTABLE SQL functions, inlined and
-- folded to constants as 0005's; changing the split takes a new migration that calls
-- rating_bands_rebuild().
CREATE FUNCTION rating_band_split() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 16;

CREATE FUNCTION rating_bands_crowd() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 256;

-- The band of a rating at a level: floor(rating / width * split^level); at level 0 that of
-- rating_band(). Dividing by the width rounds monotonically and the power of two is exact, so
-- bands nest (band b's bands at the next level are b * split .. b * split + split - 1), and a
-- rating is in band b or higher exactly when it is at least rating_band_edge(level, b).
CREATE FUNCTION rating_band_at(level integer, rating double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN floor(rating / rating_band_width() * rating_band_split()::double precision ^ level)::bigint;

-- The lowest rating of a band, exactly.
CREATE FUNCTION rating_band_edge(level integer, band bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (band * rating_band_width())::double precision
       / rating_band_split()::double precision ^ level;

-- The band that counts a rating at a level: none at levels 1 and 2 for a rating exactly on
-- its 10-point band's lower edge.
CREATE FUNCTION rating_band_counting(level integer, rating double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
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
    coarsest bigint := rating_band_at(-1, rating);
    band bigint := rating_band_at(0, rating);
    fine bigint := rating_band_at(1, rating);
    finest bigint := rating_band_at(2, rating);
    split constant bigint := rating_band_split();
    in_bands_above bigint;
    in_finest_band bigint;
BEGIN
    -- The level -1 bands above; at each finer level, the bands above inside the rating's band
    -- of the coarser level (rating_bands_pkey, one range each).
    in_bands_above := (
        SELECT coalesce(sum(b.players), 0)
        FROM (VALUES (-1, coarsest, 9223372036854775807),
                     (0, band, coarsest * split + split - 1),
                     (1, fine, band * split + split - 1),
                     (2, finest, fine * split + split - 1)
             ) AS above (level, after_band, last_band)
        JOIN rating_bands AS b
          ON b.level = above.level AND b.band > above.after_band AND b.band <= above.last_band);
    -- The players of its own level-2 band rated higher, one by one, up to
    -- rating_bands_crowd() of them: player_profiles_rating_id_idx walked in its order, which
    -- the LIMIT stops (a bitmap scan would read them all first).
    in_finest_band := (
        SELECT count(*)
        FROM (SELECT
              FROM player_profiles AS p
              WHERE p.player_skill_rating > rating
                AND p.player_skill_rating < rating_band_edge(2, finest + 1)
              ORDER BY p.player_skill_rating DESC
              LIMIT rating_bands_crowd()) AS higher);
    IF in_finest_band = rating_bands_crowd() THEN
        -- A crowd: the band's count less its players at or below the rating (a rating on a
        -- 10-point band's lower edge is not in the count).
        in_finest_band := (
            SELECT coalesce(sum(b.players), 0)
            FROM rating_bands AS b
            WHERE b.level = 2 AND b.band = finest)
          - (SELECT count(*)
             FROM player_profiles AS p
             WHERE p.player_skill_rating <= rating
               AND p.player_skill_rating >= rating_band_edge(2, finest)
               AND p.player_skill_rating > rating_band_edge(0, band));
    END IF;
    RETURN in_bands_above + in_finest_band;
END
$$;

DROP FUNCTION rating_bands_move(smallint, integer, integer);
DROP TABLE rating_bands;

CREATE TABLE rating_bands (
    level   smallint NOT NULL CHECK (level BETWEEN -1 AND 2),
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
    INSERT INTO rating_bands (level, band, shard, players)
    SELECT counted.level, counted.band, p.id % rating_band_shards(), count(*)
    FROM player_profiles AS p,
         LATERAL (SELECT level, rating_band_counting(level, p.player_skill_rating)
                  FROM generate_series(-1, 2) AS level) AS counted (level, band)
    WHERE counted.band IS NOT NULL
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3;
$$;

-- One upsert moves a player's rows at the levels whose band changed, in (level, band) order:
-- two transactions take the rows' locks in the same order. A rating that stays inside its
-- level-2 band writes nothing.
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
                 (1, rating_band_counting(1, rating_before), rating_band_counting(1, rating_after)),
                 (2, rating_band_counting(2, rating_before), rating_band_counting(2, rating_after))
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
