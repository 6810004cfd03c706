-- The rating_bands row (band, shard) that counts a player of this id and rating.
-- $1: player id, $2: rating.
SELECT rating_band($2::double precision) AS band,
       ($1::bigint % rating_band_shards())::smallint AS shard;
