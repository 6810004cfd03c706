-- auth/end_session: end the session a refresh token belongs to (revocation, RFC 7009);
-- every refresh token of that session stops working.
--
-- Parameters:
--   $1 token_hash  bytea  SHA-256 of the presented refresh token
-- Returns: nothing (an unknown token ends nothing).
-- Index: auth_refresh_tokens_pkey, then auth_sessions_pkey; the session's tokens go through
--   auth_refresh_tokens_session_id_idx.
DELETE FROM auth_sessions
WHERE id = (SELECT session_id FROM auth_refresh_tokens WHERE token_hash = $1);
