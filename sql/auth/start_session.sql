-- auth/start_session: after a password was verified, open a session with its first refresh
-- token, and store a rehash of the password when the hashing parameters changed.
--
-- The credentials row is locked by the UPDATE and must still hold the hash the password was
-- verified against: a password changed meanwhile opens no session (a concurrent change
-- either commits first, and the hash no longer matches, or waits for this one and then
-- ends the session it opened).
--
-- Each call also forgets up to 4 refresh tokens that expired over an hour ago, oldest first,
-- skipping rows other transactions hold, and ends the sessions left with nothing newer (their
-- remaining tokens go with them, ON DELETE CASCADE): each call adds one token, so expired ones
-- cannot pile up while tokens are issued. A used token is kept until then, so that presenting
-- it again is still seen as reuse while it could otherwise have worked. The hour is far longer
-- than any statement may run (statement_timeout): no request can still be rotating a token of
-- a session this ends.
--
-- Parameters:
--   $1 player_id           bigint
--   $2 verified_hash       text     the hash the password was verified against
--   $3 new_hash            text     a rehash to store; null to keep the hash
--   $4 refresh_token_hash  bytea    SHA-256 of the new refresh token
--   $5 refresh_ttl         integer  seconds the refresh token stays valid
-- Returns: the new session's id, or no row when the hash changed meanwhile.
-- Index: player_credentials_pkey; auth_sessions and auth_refresh_tokens get one row each;
--   auth_refresh_tokens_expires_at_idx (the purge: a range scan from the oldest expiry, at
--   most 4 rows), auth_refresh_tokens_session_id_idx (a purged token's session). Cost is
--   constant, but for an ended session's own remaining tokens.
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
), ended_by_expiry AS (
    DELETE FROM auth_sessions AS s
    WHERE s.id IN (SELECT session_id FROM purged)
      AND NOT EXISTS (
          SELECT 1
          FROM auth_refresh_tokens AS t
          WHERE t.session_id = s.id AND t.expires_at >= now() - interval '1 hour'
      )
), credential AS (
    UPDATE player_credentials
    SET password_hash = coalesce($3, password_hash)
    WHERE player_id = $1 AND password_hash = $2
    RETURNING player_id
), session AS (
    INSERT INTO auth_sessions (player_id)
    SELECT player_id FROM credential
    RETURNING id
)
INSERT INTO auth_refresh_tokens (token_hash, session_id, expires_at)
SELECT $4, id, now() + make_interval(secs => $5)
FROM session
RETURNING session_id;
