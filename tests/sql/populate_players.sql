-- 20,000 players with ratings spread over 300..700, for plans on a populated table.
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'bulk' || n, 'bulk' || n || '@example.com', 300 + random() * 400
FROM generate_series(1, 20000) AS n;
