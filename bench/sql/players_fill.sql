-- players_fill: the players, with the rating their generated results lead to.
--
-- Parameters:
--   $1 players  bigint  how many (ids 1..$1)
-- Does: one INSERT ... SELECT over generate_series, ids given explicitly (OVERRIDING SYSTEM
--   VALUE; players_sequence_sync moves the identity past them). Each rating folds the
--   player's results in completion order, the order the service would have applied them;
--   a player without results keeps 500. Players registered 60 to 30 days ago.
INSERT INTO player_profiles (id, username, email, player_skill_rating, created_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       'player' || g,
       'player' || g || '@example.com',
       coalesce(r.rating, 500),
       now() - interval '60 days' + (g::double precision / $1) * interval '30 days'
FROM generate_series(1, $1::bigint) AS g
LEFT JOIN (
    SELECT player_id,
           pg_temp.bench_elo_fold(difficulty_level, is_successful ORDER BY completed_at, id)
               AS rating
    FROM bench_raw_scenarios
    WHERE is_successful IS NOT NULL
    GROUP BY player_id
) AS r ON r.player_id = g
ORDER BY g;
