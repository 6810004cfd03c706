-- ratings/leaderboard_around: the leaderboard's entries around one player: $2 entries in the
-- leaderboard's order (highest rating first, then id) that contain the player, centred on
-- them where the table's edges allow (the first player gets the top $2, the last the bottom
-- $2), with the same competition ranks as ratings/leaderboard gives.
--
-- The players ahead of and behind the player are each two index seeks (the same rating and a
-- lower or higher id; a higher or lower rating), nearest first, at most $2 rows each. Ahead,
-- one more row than can be shown is read: the rating just above the window says whether the
-- window's first rating has ties above it.
--
-- Ranks: the window's first rating is counted against the table (players_rated_above()).
-- When none of its ties stand above the window, every rank follows from its place in the
-- window. Otherwise the window's second rating (if any) is counted too, and the ranks below
-- it follow from their place relative to it. Two counts at most.
--
-- Parameters:
--   $1 player_id  bigint
--   $2 limit      integer  entries to return (1-1000)
-- Returns: no row when the player does not exist; otherwise min($2, number of players) rows
--   (rank, player_id, username, player_skill_rating), the player among them.
-- Indexes: player_profiles_pkey for the player; player_profiles_rating_id_idx, sought four
--   times and walked for at most $2 entries each: the cost grows with limit only, not with
--   the player's place; the ranks are one or two players_rated_above() counts (migrations).
WITH me AS (
    SELECT id, username, player_skill_rating
    FROM player_profiles
    WHERE id = $1
), ahead AS (
    SELECT id, username, player_skill_rating,
           row_number() OVER (ORDER BY player_skill_rating, id DESC) AS distance
    FROM (
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating = (SELECT player_skill_rating FROM me) AND id < $1
         ORDER BY id DESC
         LIMIT $2)
        UNION ALL
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating > (SELECT player_skill_rating FROM me)
         ORDER BY player_skill_rating, id DESC
         LIMIT $2)
        ORDER BY player_skill_rating, id DESC
        LIMIT $2
    ) AS nearest
), behind AS (
    SELECT id, username, player_skill_rating,
           row_number() OVER (ORDER BY player_skill_rating DESC, id) AS distance
    FROM (
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating = (SELECT player_skill_rating FROM me) AND id > $1
         ORDER BY id
         LIMIT $2 - 1)
        UNION ALL
        (SELECT id, username, player_skill_rating
         FROM player_profiles
         WHERE player_skill_rating < (SELECT player_skill_rating FROM me)
         ORDER BY player_skill_rating DESC, id
         LIMIT $2 - 1)
        ORDER BY player_skill_rating DESC, id
        LIMIT $2 - 1
    ) AS nearest
), shown AS (
    -- How many entries of each side the window holds: (limit - 1) / 2 ahead, the rest behind,
    -- shifted to the other side where one side runs out.
    SELECT ahead_shown, least(behind_found, $2 - 1 - ahead_shown) AS behind_shown
    FROM (
        SELECT least(ahead_found, greatest(($2 - 1) / 2, $2 - 1 - behind_found)) AS ahead_shown,
               behind_found
        FROM (SELECT count(*) AS ahead_found FROM ahead) AS a,
             (SELECT count(*) AS behind_found FROM behind) AS b
    ) AS sides
), nearby AS (
    SELECT ahead.id, ahead.username, ahead.player_skill_rating
    FROM ahead, shown
    WHERE ahead.distance <= shown.ahead_shown
    UNION ALL
    SELECT id, username, player_skill_rating
    FROM me
    UNION ALL
    SELECT behind.id, behind.username, behind.player_skill_rating
    FROM behind, shown
    WHERE behind.distance <= shown.behind_shown
), ranked AS (
    SELECT id, username, player_skill_rating,
           rank() OVER (ORDER BY player_skill_rating DESC) AS rank_in_window
    FROM nearby
), first AS (
    SELECT top.rating,
           1 + players_rated_above(top.rating) AS rank,
           (SELECT ahead.player_skill_rating
            FROM ahead, shown
            WHERE ahead.distance = shown.ahead_shown + 1) AS rating_above_window
    FROM (SELECT max(player_skill_rating) AS rating FROM nearby) AS top
), second AS (
    SELECT next.rating, next.rank_in_window,
           1 + players_rated_above(next.rating) AS rank
    FROM (
        SELECT ranked.player_skill_rating AS rating, ranked.rank_in_window
        FROM ranked, first
        WHERE first.rating_above_window = first.rating
          AND ranked.player_skill_rating < first.rating
        ORDER BY ranked.player_skill_rating DESC
        LIMIT 1
    ) AS next
)
SELECT CASE WHEN ranked.player_skill_rating = first.rating THEN first.rank
            WHEN first.rating_above_window IS DISTINCT FROM first.rating
                THEN first.rank + ranked.rank_in_window - 1
            ELSE second.rank + ranked.rank_in_window - second.rank_in_window
       END AS rank,
       ranked.id AS player_id, ranked.username, ranked.player_skill_rating
FROM ranked
CROSS JOIN first
LEFT JOIN second ON true
ORDER BY ranked.player_skill_rating DESC, ranked.id;
