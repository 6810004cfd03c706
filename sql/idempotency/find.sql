-- idempotency/find: the answer kept for a key, after idempotency/claim found the key taken.
--
-- Run as a statement of its own, so that it sees the row committed by the transaction the
-- claim waited for (the claim's own snapshot predates that commit).
--
-- Parameters:
--   $1 scope        text   whose key
--   $2 key          text   the key
--   $3 fingerprint  bytea  SHA-256 of this request's method, path and body
-- Returns: no row or one: same_request (whether the key was used for this same request), and
--   the kept answer: status, body, location (null when the answer had no Location).
-- Index: idempotency_keys_pkey. Cost is constant.
SELECT fingerprint = $3 AS same_request, status, body, location
FROM idempotency_keys
WHERE scope = $1
  AND key = $2;
