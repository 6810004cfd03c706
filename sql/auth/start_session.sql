-- auth/start_session: after a password was verified, open a session with its first refresh
-- token, and store a rehash of the password when the hashing parameters changed.
--
-- The credentials row is locked by the UPDATE and must still hold the hash the password was
-- verified against: a password changed meanwhile opens no session (a concurrent change
-- either commits first, and the hash no longer matches, or waits for this one and then
-- ends the session it opened).
--
-- The token's insert also forgets up to 4 refresh tokens an hour past their expiry, and the
-- sessions they leave with nothing newer (the trigger of migration 0013).
--
-- Parameters:
--   $1 player_id           bigint
--   $2 verified_hash       text     the hash the password was verified against
--   $3 new_hash            text     a rehash to store; null to keep the hash
--   $4 refresh_token_hash  bytea    SHA-256 of the new refresh token
--   $5 refresh_ttl         integer  seconds the refresh token stays valid
-- Returns: the new session's id, or no row when the hash changed meanwhile.
-- Index: player_credentials_pkey; auth_sessions and auth_refresh_tokens get one row each.
WITH credential AS (
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
