-- Moves every idempotency key 23 hours into the past: still kept with the default TTL (24
-- hours), expired with a TTL of 22.
UPDATE idempotency_keys
SET created_at = created_at - interval '23 hours';
