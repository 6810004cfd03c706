-- Locks one rating_bands row, or fails at once (lock_not_available) if another transaction
-- holds it. $1: level, $2: band, $3: shard. Returns the row, or no row when there is no such
-- row.
SELECT level, band, shard, players
FROM rating_bands
WHERE level = $1 AND band = $2 AND shard = $3
FOR UPDATE NOWAIT;
