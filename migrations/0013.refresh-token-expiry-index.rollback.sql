-- Drops the index of refresh tokens by expiry: their purge then reads the whole table.
SET LOCAL lock_timeout = '5s';

DROP INDEX auth_refresh_tokens_expires_at_idx;
