-- auth/rotate_refresh_token: exchange a refresh token for the next one of its session, or
-- end the session when the token was already used (reuse detection, RFC 9700 4.14.2).
--
-- The presented token's row is locked first: of two requests presenting the same token, the
-- second waits, sees it used, and ends the session, so the token the first one got stops
-- working too. An expired or unknown token changes nothing.
--
-- Each call also forgets up to 4 other refresh tokens that expired over an hour ago, oldest
-- first, skipping rows other transactions hold, and ends the sessions left with nothing newer
-- (their remaining tokens go with them, ON DELETE CASCADE): each call adds one token, so
-- expired ones cannot pile up while tokens are issued. A used token is kept until then, so
-- that presenting it again is still seen as reuse while it could otherwise have worked. The
-- hour is far longer than any statement may run (statement_timeout): no request can still be
-- rotating a token of a session this ends.
--
-- Parameters:
--   $1 presented_hash  bytea    SHA-256 of the presented refresh token
--   $2 next_hash       bytea    SHA-256 of the refresh token to issue
--   $3 refresh_ttl     integer  seconds the new refresh token stays valid
-- Returns: one row (player_id) when the token was rotated; no row otherwise.
-- Index: auth_refresh_tokens_pkey; auth_sessions_pkey; ending a session deletes its tokens
--   through auth_refresh_tokens_session_id_idx;
--   auth_refresh_tokens_expires_at_idx (the purge: a range scan from the oldest expiry, at
--   most 4 rows), auth_refresh_tokens_session_id_idx (a purged token's session). Cost is
--   constant, but for an ended session's own remaining tokens.
WITH purged AS (
    DELETE FROM auth_refresh_tokens
    WHERE token_hash IN (
        SELECT token_hash
        FROM auth_refresh_tokens
        WHERE expires_at < now() - interval '1 hour'
          AND token_hash <> $1
        ORDER BY expires_at
        LIMIT 4
        FOR UPDATE SKIP LOCKED
    )
    RETURNING session_id
), ended_by_expiry AS (
    DELETE FROM auth_sessions AS s
    WHERE s.id IN (SELECT session_id FROM purged)
      AND NOT EXISTS (
          SELECT 1
          FROM auth_refresh_tokens AS t
          WHERE t.session_id = s.id AND t.expires_at >= now() - interval '1 hour'
      )
), presented AS (
    SELECT token_hash, session_id, used_at IS NOT NULL AS reused, expires_at <= now() AS expired
    FROM auth_refresh_tokens
    WHERE token_hash = $1
    FOR UPDATE
), rotated AS (
    UPDATE auth_refresh_tokens AS t
    SET used_at = now()
    FROM presented AS p
    WHERE t.token_hash = p.token_hash AND NOT p.reused AND NOT p.expired
    RETURNING t.session_id
), issued AS (
    INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at)
    SELECT $2, session_id, now() + make_interval(secs => $3)
    FROM rotated
    RETURNING session_id
), ended AS (
    DELETE FROM auth_sessions AS s
    USING presented AS p
    WHERE s.id = p.session_id AND p.reused
)
SELECT s.player_id
FROM issued
JOIN auth_sessions AS s ON s.id = issued.session_id;
