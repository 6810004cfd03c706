-- Twelve players in three groups of tied ratings (516, 500, 484), their ids interleaved.
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'tied' || n, 'tied' || n || '@example.com', 500 + 16 * (n % 3 - 1)
FROM generate_series(1, 12) AS n;
