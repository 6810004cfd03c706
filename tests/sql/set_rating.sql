-- Sets one player's rating (the triggers move their band rows). $1: player id, $2: rating.
UPDATE player_profiles SET player_skill_rating = $2 WHERE id = $1;
