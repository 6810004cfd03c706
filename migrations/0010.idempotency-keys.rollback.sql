-- Removes the idempotency keys: retries of writes are no longer recognized.
SET LOCAL lock_timeout = '5s';

DROP TABLE idempotency_keys;
