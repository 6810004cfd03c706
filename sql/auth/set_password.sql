-- auth/set_password: set or replace a player's password hash. The caller ends the player's
-- sessions in the same transaction, by a second statement that sees sessions opened while
-- this one waited for the row.
--
-- Parameters:
--   $1 player_id      bigint
--   $2 password_hash  text  argon2id hash (never the password)
-- Returns: nothing; a missing player fails on player_credentials_player_id_fkey.
-- Index: player_credentials_pkey.
INSERT INTO player_credentials (player_id, password_hash)
VALUES ($1, $2)
ON CONFLICT ON CONSTRAINT player_credentials_pkey
DO UPDATE SET password_hash = excluded.password_hash, changed_at = now();
