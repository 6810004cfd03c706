-- Every player's id and rating, for counting ranks the slow, obvious way.
SELECT id, player_skill_rating FROM player_profiles ORDER BY id;
