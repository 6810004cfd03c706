-- The rate limiter's state for limits shared by every worker and machine on one database (the
-- auth policy by default): one row per key, its GCRA theoretical arrival time (TAT) in
-- microseconds since the epoch, and whether the key's last request was admitted.
--
-- UNLOGGED: written on every guarded request, never worth a WAL record; after a crash it
-- comes back empty, which only forgets who was throttled. Not replicated: the service reads
-- and writes it on the primary only.
-- depends: 0004.rating-bands
SET LOCAL lock_timeout = '5s';

CREATE UNLOGGED TABLE rate_limits (
    key      text NOT NULL,
    tat_us   bigint NOT NULL,
    admitted boolean NOT NULL,
    CONSTRAINT rate_limits_pkey PRIMARY KEY (key),
    CONSTRAINT rate_limits_key_length CHECK (length(key) BETWEEN 1 AND 512)
);
