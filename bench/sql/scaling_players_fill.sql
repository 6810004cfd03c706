-- scaling_players_fill: players only, for the leaderboard and rank scaling table, whose
-- queries read player_profiles alone.
--
-- Parameters:
--   $1 players  bigint  how many (ids 1..$1)
-- Does: one INSERT ... SELECT over generate_series. A fifth of the players never played and
--   keep 500 (ties, as in a live table); the others are spread around 500 (a sum of six
--   uniforms: bell-shaped, about 100 points either side), with fractional parts as the
--   rating rule gives.
INSERT INTO player_profiles (id, username, email, player_skill_rating, created_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       'player' || g,
       'player' || g || '@example.com',
       CASE WHEN random() < 0.2 THEN 500
            ELSE 500 + 140 * (random() + random() + random() + random() + random() + random() - 3)
       END,
       now() - interval '60 days' + (g::double precision / $1) * interval '60 days'
FROM generate_series(1, $1::bigint) AS g;
