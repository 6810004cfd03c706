-- players/list: a page of players in id order.
--
-- Parameters:
--   $1 skip   bigint   rows to pass over (>= 0)
--   $2 limit  integer  rows to return (1-1001: a page and the next row)
-- Returns: up to $2 player rows.
-- Index: player_profiles_pkey, walked in order; cost grows with skip + limit.
SELECT id, username, email, player_skill_rating, created_at
FROM player_profiles
ORDER BY id
OFFSET $1
LIMIT $2;
