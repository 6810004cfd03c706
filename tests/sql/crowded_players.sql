-- Twice rating_bands_crowd() players at 500 and at 516, and one at each 0.001 step within
-- 0.019 either side of both (computed in double precision, as a client computes them).
WITH crowded (rating) AS (
    SELECT centre::double precision
    FROM unnest(ARRAY[500, 516]) AS centre, generate_series(1, 2 * rating_bands_crowd())
    UNION ALL
    SELECT centre::double precision + 0.001::double precision * step
    FROM unnest(ARRAY[500, 516]) AS centre, generate_series(-19, 19) AS step
    WHERE step <> 0
)
INSERT INTO player_profiles (username, email, player_skill_rating)
SELECT 'crowd' || n, 'crowd' || n || '@example.com', rating
FROM (SELECT rating, row_number() OVER () AS n FROM crowded) AS numbered;
