-- The rating_bands rows (level, band, shard) that count a player of this id and rating, one
-- for each level that counts it, coarsest first. $1: player id, $2: rating.
SELECT counted.level, counted.band, ($1::bigint % rating_band_shards())::smallint AS shard
FROM generate_series(-1, 1) AS level,
     LATERAL (SELECT level::smallint, rating_band_counting(level, $2::double precision))
         AS counted (level, band)
WHERE counted.band IS NOT NULL
ORDER BY counted.level;
