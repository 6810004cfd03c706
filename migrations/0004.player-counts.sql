-- The number of players, kept exact by triggers so that a rank's "out of N" is a read of 16
-- rows instead of a count over the whole table.
--
-- The count is split over 16 rows (a player counts in row id % 16) so that concurrent sign-ups
-- rarely wait on the same row. Statement-level triggers with transition tables keep a bulk
-- insert or delete to one UPDATE per statement.
-- depends: 0001.create-player-profiles
SET LOCAL lock_timeout = '5s';

CREATE TABLE player_counts (
    shard   smallint PRIMARY KEY CHECK (shard BETWEEN 0 AND 15),
    players bigint NOT NULL CHECK (players >= 0)
);

-- Lock out writers while the current count is taken, so none is missed.
LOCK TABLE player_profiles IN SHARE MODE;

INSERT INTO player_counts (shard, players)
SELECT shard, (SELECT count(*) FROM player_profiles WHERE id % 16 = shard)
FROM generate_series(0, 15) AS shard;

CREATE FUNCTION player_counts_add_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE player_counts AS c
    SET players = c.players + n.players
    FROM (SELECT id % 16 AS shard, count(*) AS players FROM inserted GROUP BY 1) AS n
    WHERE c.shard = n.shard;
    RETURN NULL;
END
$$;

CREATE FUNCTION player_counts_remove_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE player_counts AS c
    SET players = c.players - d.players
    FROM (SELECT id % 16 AS shard, count(*) AS players FROM deleted GROUP BY 1) AS d
    WHERE c.shard = d.shard;
    RETURN NULL;
END
$$;

CREATE FUNCTION player_counts_reset() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE player_counts SET players = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER player_counts_after_insert
    AFTER INSERT ON player_profiles
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION player_counts_add_inserted();

CREATE TRIGGER player_counts_after_delete
    AFTER DELETE ON player_profiles
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION player_counts_remove_deleted();

CREATE TRIGGER player_counts_after_truncate
    AFTER TRUNCATE ON player_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION player_counts_reset();
