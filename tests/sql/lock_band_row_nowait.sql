-- Locks one rating_bands row, or fails at once (lock_not_available) if another transaction
-- holds it. $1: band, $2: shard. Returns the row, or no row when there is no such row.
SELECT band, shard, players
FROM rating_bands
WHERE band = $1 AND shard = $2
FOR UPDATE NOWAIT;
