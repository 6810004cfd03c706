-- auth/end_player_sessions: end every session of a player (after a password change).
--
-- Parameters:
--   $1 player_id  bigint
-- Returns: nothing.
-- Index: auth_sessions_player_id_idx; cost grows with the player's sessions and their tokens.
DELETE FROM auth_sessions
WHERE player_id = $1;
