-- How many idempotency keys are held.
SELECT count(*)::integer
FROM idempotency_keys;
