-- Removes the rate limiter's table (its rows are only who is being throttled right now).
SET LOCAL lock_timeout = '5s';

DROP TABLE rate_limits;
