-- auth/create_player: register a player with a password, in one statement: the player and
-- their password hash are written together or not at all.
--
-- Parameters:
--   $1 username       text  already validated: 3-32 of A-Z a-z 0-9 _ . -
--   $2 email          text  already normalized by email-validator
--   $3 password_hash  text  argon2id hash (never the password)
-- Returns: the new player's row (without the hash).
-- Index: none read; a duplicate fails on player_profiles_username_key or
--   player_profiles_email_key, which the service maps to a 400.
WITH player AS (
    INSERT INTO player_profiles (username, email)
    VALUES ($1, $2)
    RETURNING id, username, email, player_skill_rating, created_at
), credential AS (
    INSERT INTO player_credentials (player_id, password_hash)
    SELECT id, $3 FROM player
)
SELECT id, username, email, player_skill_rating, created_at
FROM player;
