-- limits/purge: forget keys whose TAT has passed; such a key is the same as a new one.
--
-- Parameters: none
-- Returns: nothing.
-- Index: none: a sequential scan of rate_limits, which holds only the keys used within the
--   longest policy's period; run once a minute per worker, its cost grows with those keys.
DELETE FROM rate_limits
WHERE tat_us < (extract(epoch FROM now()) * 1000000)::bigint;
