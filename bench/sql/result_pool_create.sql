-- result_pool_create: fresh unplayed scenarios for POST /scenarios/{id}/result to play, each
-- exactly once (a replay would be a 409).
--
-- Parameters:
--   $1 players  bigint  the pool's scenarios belong to random players among ids 1..$1
--   $2 size     bigint  how many
-- Returns: one row: first_id, last_id, created. One INSERT, so with nothing else writing the
--   ids are consecutive (created = last_id - first_id + 1), which the bench checks.
WITH created AS (
    INSERT INTO game_scenarios (player_id, scenario_type, content, difficulty_level)
    SELECT 1 + floor(random() * $1)::bigint,
           'negotiation',
           'A scenario waiting for its result.',
           1 + floor(random() * 10)::integer
    FROM generate_series(1, $2::bigint)
    RETURNING id
)
SELECT min(id) AS first_id, max(id) AS last_id, count(*) AS created
FROM created;
