-- auth/rotate_refresh_token: exchange a refresh token for the next one of its session, or
-- end the session when the token was already used (reuse detection, RFC 9700 4.14.2).
--
-- The presented token's row is locked first: of two requests presenting the same token, the
-- second waits, sees it used, and ends the session, so the token the first one got stops
-- working too. An expired or unknown token changes nothing.
--
-- The token's insert also forgets up to 4 refresh tokens an hour past their expiry, and the
-- sessions they leave with nothing newer (the trigger of migration 0013).
--
-- Parameters:
--   $1 presented_hash  bytea    SHA-256 of the presented refresh token
--   $2 next_hash       bytea    SHA-256 of the refresh token to issue
--   $3 refresh_ttl     integer  seconds the new refresh token stays valid
-- Returns: one row (player_id) when the token was rotated; no row otherwise.
-- Index: auth_refresh_tokens_pkey; auth_sessions_pkey; ending a session deletes its tokens
--   through auth_refresh_tokens_session_id_idx.
WITH presented AS (
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
