-- idempotency/keep: keep the answer of the request that claimed a key, in its transaction,
-- just before it commits.
--
-- Parameters:
--   $1 scope     text      whose key
--   $2 key       text      the key
--   $3 status    smallint  the answer's status, 200-499 (failures are never kept)
--   $4 body      bytea     the answer's body, as sent
--   $5 location  text      the answer's Location header, or null
-- Returns: nothing.
-- Index: idempotency_keys_pkey; the row was inserted by this transaction (no wait). Cost is
--   constant.
UPDATE idempotency_keys
SET status = $3,
    body = $4,
    location = $5
WHERE scope = $1
  AND key = $2;
