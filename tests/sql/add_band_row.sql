-- A rating_bands row of no players, unless the row is there already: a row to lock.
-- $1: level, $2: band, $3: shard.
INSERT INTO rating_bands (level, band, shard, players)
VALUES ($1, $2, $3, 0)
ON CONFLICT DO NOTHING;
