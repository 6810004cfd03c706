-- idempotency/claim: take an Idempotency-Key for this request, in the transaction that will run
-- the request's write and keep its answer (idempotency/keep), and purge a few expired keys.
--
-- The insert is the claim: while the transaction that made it is open, a repeat with the same
-- key conflicts with its uncommitted row and waits, for at most $5 (lock_timeout, set for
-- this statement only: the value is put back in RETURNING, so the write that follows waits
-- as long as it always does), then fails with 55P03 lock_not_available: the service answers
-- 409. Once that transaction commits, the repeat finds the kept answer (no row returned); if
-- it rolls back, the repeat claims the key and runs. An expired key that was not purged yet is
-- taken over as if it were new.
--
-- The purge deletes at most 4 expired keys, oldest first, skipping rows other transactions
-- hold: each claim adds one row, so expired keys cannot pile up while keys are used, and no
-- request pays for more than four. The key being claimed is left to the ON CONFLICT.
--
-- Parameters:
--   $1 scope        text              whose key: 'player:17', 'client:...', 'address:...'
--   $2 key          text              the key, 1-255 printable ASCII characters
--   $3 fingerprint  bytea             SHA-256 of the request's method, path and body
--   $4 ttl          double precision  seconds a key and its answer are kept
--   $5 wait         text              lock_timeout while a request with the key still runs
-- Returns: one row (lock_timeout, as put back) when the request is to run; no row when the
--   key holds an answer kept within the TTL (idempotency/find reads it).
-- Index: idempotency_keys_pkey (the conflict target; the purge's rows);
--   idempotency_keys_created_at_idx (the purge: a range scan from the oldest key, at most 4
--   rows). Cost is constant.
WITH purged AS (
    DELETE FROM idempotency_keys
    WHERE (scope, key) IN (
        SELECT scope, key
        FROM idempotency_keys
        WHERE created_at < now() - make_interval(secs => $4)
          AND (scope, key) <> ($1, $2)
        ORDER BY created_at
        LIMIT 4
        FOR UPDATE SKIP LOCKED
    )
)
INSERT INTO idempotency_keys AS held (scope, key, fingerprint)
SELECT $1, $2, $3
-- Evaluated before the row is inserted, so before any wait; a volatile function keeps the
-- planner from folding the subquery away.
FROM (SELECT set_config('lock_timeout', $5, true)) AS bounded_wait
ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO UPDATE
SET fingerprint = excluded.fingerprint,
    created_at = excluded.created_at,
    status = NULL,
    body = NULL,
    location = NULL
WHERE held.created_at < now() - make_interval(secs => $4)
-- NULL resets lock_timeout to the session's default, for the rest of the transaction.
RETURNING set_config('lock_timeout', NULL, true) AS lock_timeout;
