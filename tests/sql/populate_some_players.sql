-- 2,000 players with ratings spread over 300..700: every rating band there holds some, and a
-- check of every player's count stays quick on the slower definitions.
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'some' || n, 'some' || n || '@example.com', 300 + random() * 400
FROM generate_series(1, 2000) AS n;
