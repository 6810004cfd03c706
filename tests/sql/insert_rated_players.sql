-- Players with the given ratings, one each. $1: the ratings (double precision[]).
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'rated' || n, 'rated' || n || '@example.com', rating
FROM unnest($1::double precision[]) WITH ORDINALITY AS given (rating, n);
