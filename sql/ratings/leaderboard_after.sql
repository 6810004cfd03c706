-- ratings/leaderboard_after: the page of the leaderboard after a given player (highest rating
-- first, then id): where a cursor, made from the previous page's last row, says the next page
-- starts; with the same competition ranks as ratings/leaderboard gives.
--
-- "After (rating $1, id $2)" in that order is: the same rating and a higher id, or a lower
-- rating. The index sorts rating descending and id ascending, which one row comparison cannot
-- express, so each half is its own index seek, at most $3 rows each, merged in order.
--
-- Ranks: the page's first rating is counted against the table (players_rated_above()). When
-- that rating is lower than $1, all of its ties are on this page, and every rank follows from
-- its place in the page. When it equals $1, some of its ties stood on earlier pages: the
-- page's second rating (if any) is counted against the table too, and the ranks below it
-- follow from their place relative to it. Two counts at most, whatever the page's depth.
--
-- Parameters:
--   $1 after_rating  double precision  the previous page's last player's rating
--   $2 after_id      bigint            and id
--   $3 limit         integer           rows to return (1-1001: a page and the next row)
-- Returns: up to $3 rows (rank, player_id, username, player_skill_rating).
-- Index: player_profiles_rating_id_idx, sought twice ((rating = $1, id > $2) and rating < $1)
--   and walked for at most $3 entries each: the cost grows with limit only, not with the
--   page's depth; the ranks are one or two players_rated_above() counts (migrations).
WITH page AS (
    SELECT id, username, player_skill_rating,
           rank() OVER (ORDER BY player_skill_rating DESC) AS rank_in_page
    FROM (
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating = $1 AND id > $2
         ORDER BY id
         LIMIT $3)
        UNION ALL
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating < $1
         ORDER BY player_skill_rating DESC, id
         LIMIT $3)
        ORDER BY player_skill_rating DESC, id
        LIMIT $3
    ) AS after
), first AS (
    SELECT top.rating,
           1 + players_rated_above(top.rating) AS rank
    FROM (SELECT max(player_skill_rating) AS rating FROM page) AS top
), second AS (
    SELECT next.rating, next.rank_in_page,
           1 + players_rated_above(next.rating) AS rank
    FROM (
        SELECT page.player_skill_rating AS rating, page.rank_in_page
        FROM page, first
        WHERE first.rating = $1 AND page.player_skill_rating < first.rating
        ORDER BY page.player_skill_rating DESC
        LIMIT 1
    ) AS next
)
SELECT CASE WHEN page.player_skill_rating = first.rating THEN first.rank
            WHEN first.rating < $1 THEN first.rank + page.rank_in_page - 1
            ELSE second.rank + page.rank_in_page - second.rank_in_page
       END AS rank,
       page.id AS player_id, page.username, page.player_skill_rating
FROM page
CROSS JOIN first
LEFT JOIN second ON true
ORDER BY page.player_skill_rating DESC, page.id;
