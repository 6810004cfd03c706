-- players/list_after: the page of players after a given one in id order: where a cursor,
-- made from the previous page's last row, says the next page starts.
--
-- Parameters:
--   $1 after_id  bigint   the id of the previous page's last player
--   $2 limit     integer  rows to return (1-1001: a page and the next row)
-- Returns: up to $2 player rows, by id.
-- Index: player_profiles_pkey, sought to the first id above $1 and walked from there: the
--   cost grows with limit only, wherever the page is.
SELECT id, username, email, player_skill_rating, created_at
FROM player_profiles
WHERE id > $1
ORDER BY id
LIMIT $2;
