-- Refresh tokens are forgotten an hour after they expire, and a session goes with its last
-- token: without that, every login and every refresh would leave a row behind for good.
--
-- Every statement that issues refresh tokens (a login, a refresh) then forgets up to 4 that
-- expired over an hour ago, oldest first, skipping rows other transactions hold, and ends the
-- sessions they leave with nothing newer (their remaining tokens go with them, ON DELETE
-- CASCADE): tokens are issued one at a time, so expired ones cannot pile up while tokens are
-- issued, and no statement pays for more than four. A used token is kept until then, so that
-- presenting it again is still seen as reuse while it could otherwise have worked. The hour
-- is far longer than any statement may run (statement_timeout): no request can still be
-- rotating a token of a session this ends.
--
-- A trigger rather than a part of each statement: the rule holds for whatever issues tokens,
-- and is written once.
-- depends: 0012.players-rated-above-by-ranges
SET LOCAL lock_timeout = '5s';

-- Serves the purge: a range scan from the oldest expiry, at most 4 rows.
CREATE INDEX auth_refresh_tokens_expires_at_idx ON auth_refresh_tokens (expires_at);

CREATE FUNCTION forget_expired_refresh_tokens() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    -- A purged token's session: auth_refresh_tokens_session_id_idx, then auth_sessions_pkey.
    WITH purged AS (
        DELETE FROM auth_refresh_tokens
        WHERE token_hash IN (
            SELECT token_hash
            FROM auth_refresh_tokens
            WHERE expires_at < now() - interval '1 hour'
            ORDER BY expires_at
            LIMIT 4
            FOR UPDATE SKIP LOCKED
        )
        RETURNING session_id
    )
    DELETE FROM auth_sessions AS s
    WHERE s.id IN (SELECT session_id FROM purged)
      AND NOT EXISTS (
          SELECT 1
          FROM auth_refresh_tokens AS t
          WHERE t.session_id = s.id AND t.expires_at >= now() - interval '1 hour'
      );
    RETURN NULL;
END
$$;

CREATE TRIGGER auth_refresh_tokens_forget_expired
AFTER INSERT ON auth_refresh_tokens
FOR EACH STATEMENT EXECUTE FUNCTION forget_expired_refresh_tokens();
