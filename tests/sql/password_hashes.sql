-- Every stored password hash, by player.
SELECT player_id, password_hash
FROM player_credentials
ORDER BY player_id
