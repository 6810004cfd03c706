-- 45 players: five groups of tied ratings (500 to 532), their ids interleaved, with a rating
-- of its own for every ninth player (409 to 445) among them.
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'tied' || n, 'tied' || n || '@example.com',
       CASE WHEN n % 9 = 0 THEN 400 + n ELSE 500 + 8 * ((n * 7) % 5) END
FROM generate_series(1, 45) AS n;
