-- Players whose ratings sit on and next to the edges of rating bands, negative ones included.
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'edge' || n, 'edge' || n || '@example.com', rating
FROM unnest(ARRAY[
    500, 500, 509.99999999999994, 510, 510, 510.00000000000006, 519.9999999999999, 520,
    -0.000001, 0, -10, -10.000000000000002, -9.999999999999998, 1234567.5, 499.99999999999994
]::double precision[]) WITH ORDINALITY AS edge(rating, n);
