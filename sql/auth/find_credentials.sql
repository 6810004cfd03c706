-- auth/find_credentials: the player who logs in by username or email (case-insensitive),
-- with their password hash.
--
-- Parameters:
--   $1 login  text  a username or an email address, as typed
-- Returns: at most one row (player_id, password_hash): usernames cannot contain '@' and
--   emails must, so one login matches one player; no row for an unknown login or a player
--   who has no password yet.
-- Index: player_profiles_username_key and player_profiles_email_key (both on lower(...)),
--   combined by a bitmap OR; then player_credentials_pkey.
SELECT p.id AS player_id, c.password_hash
FROM player_profiles AS p
JOIN player_credentials AS c ON c.player_id = p.id
WHERE lower(p.username) = lower($1) OR lower(p.email) = lower($1);
