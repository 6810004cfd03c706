-- limits/take: one GCRA step for a key, in one statement: admit the request and move the key's
-- theoretical arrival time (TAT) one interval later, or refuse it and leave the TAT as it was.
--
-- The new TAT is max(TAT, now) + interval; the request is admitted when that is at most
-- `window` ahead of now. A new key (or one whose TAT has passed) starts from now. Every
-- quantity is whole microseconds, as in the Redis script and the in-memory store. The row lock
-- taken by the upsert serializes concurrent requests for the same key, so the count is exact.
--
-- Parameters:
--   $1 key          text    policy and caller, e.g. 'auth:address:203.0.113.7'
--   $2 interval_us  bigint  microseconds one request holds (period / limit)
--   $3 window_us    bigint  how far ahead of now the TAT may go (limit x interval)
-- Returns: one row: admitted (boolean), ahead_us (bigint: the TAT after the step minus now).
-- Index: rate_limits_pkey (the conflict target); one row read and written. Cost is constant.
INSERT INTO rate_limits AS state (key, tat_us, admitted)
SELECT $1, clock.now_us + $2, true
FROM (SELECT (extract(epoch FROM now()) * 1000000)::bigint AS now_us) AS clock
ON CONFLICT ON CONSTRAINT rate_limits_pkey DO UPDATE
SET tat_us = CASE
        WHEN greatest(state.tat_us + $2, excluded.tat_us) <= excluded.tat_us - $2 + $3
        THEN greatest(state.tat_us + $2, excluded.tat_us)
        ELSE state.tat_us
    END,
    admitted = greatest(state.tat_us + $2, excluded.tat_us) <= excluded.tat_us - $2 + $3
RETURNING admitted, tat_us - (extract(epoch FROM now()) * 1000000)::bigint AS ahead_us;
