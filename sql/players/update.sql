-- players/update: change a player's username and/or email; null keeps the current value.
--
-- Parameters:
--   $1 player_id  bigint
--   $2 username   text  null to keep; already validated
--   $3 email      text  null to keep; already normalized by email-validator
-- Returns: the player's row as updated, or no row when the player does not exist.
-- Index: player_profiles_pkey; a duplicate fails on player_profiles_username_key or
--   player_profiles_email_key, which the service maps to a 400.
UPDATE player_profiles
SET username = coalesce($2, username),
    email = coalesce($3, email)
WHERE id = $1
RETURNING id, username, email, player_skill_rating, created_at;
