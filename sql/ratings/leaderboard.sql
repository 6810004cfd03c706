-- ratings/leaderboard: a page of players by rating (highest first, then id), with
-- competition ranks: rank = 1 + the number of players with a strictly higher rating.
--
-- Only the page's first rating is counted against the table; every other rank follows from
-- its position in the page, since all players ahead of it in the order rate higher:
-- rank = skip + its rank within the page. Rows tied with the first row share its rank.
--
-- Parameters:
--   $1 skip   bigint   rows to pass over (>= 0)
--   $2 limit  integer  rows to return (1-1001: a page and the next row)
-- Returns: up to $2 rows (rank, player_id, username, player_skill_rating).
-- Index: player_profiles_rating_id_idx, walked in order for the page. Cost grows with
--   skip + limit; the first row's count is players_rated_above()'s (migrations).
WITH page AS (
    SELECT id, username, player_skill_rating,
           rank() OVER (ORDER BY player_skill_rating DESC) AS rank_in_page
    FROM (
        SELECT id, username, player_skill_rating
        FROM player_profiles
        ORDER BY player_skill_rating DESC, id
        OFFSET $1
        LIMIT $2
    ) AS ordered
), first AS (
    SELECT top.rating,
           1 + players_rated_above(top.rating) AS rank
    FROM (SELECT max(player_skill_rating) AS rating FROM page) AS top
)
SELECT CASE WHEN page.player_skill_rating = first.rating THEN first.rank
            ELSE $1 + page.rank_in_page
       END AS rank,
       page.id AS player_id, page.username, page.player_skill_rating
FROM page, first
ORDER BY page.player_skill_rating DESC, page.id;
