-- Refresh tokens are forgotten an hour after they expire, a few each time one is issued
-- (auth/start_session, auth/rotate_refresh_token), and a session goes with its last token:
-- without that, every login and every refresh would leave a row behind for good. This index
-- serves that purge: a range scan from the oldest expiry.
-- depends: 0012.players-rated-above-by-ranges
--
SET LOCAL lock_timeout = '5s';

CREATE INDEX auth_refresh_tokens_expires_at_idx ON auth_refresh_tokens (expires_at);
