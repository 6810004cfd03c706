-- players/create: register a player with the starting rating (the column default, 500).
--
-- Parameters:
--   $1 username  text  already validated: 3-32 of A-Z a-z 0-9 _ . -
--   $2 email     text  already normalized by email-validator
-- Returns: the new player's row.
-- Index: none read; a duplicate fails on player_profiles_username_key or
--   player_profiles_email_key (unique, on lower(...)), which the service maps to a 400.
INSERT INTO player_profiles (username, email)
VALUES ($1, $2)
RETURNING id, username, email, player_skill_rating, created_at;
