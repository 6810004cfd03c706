-- auth/get_password_hash: a player's password hash, to check their current password.
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: the hash, or no row when the player has no password.
-- Index: player_credentials_pkey.
SELECT password_hash
FROM player_credentials
WHERE player_id = $1;
