-- players/list_scenarios_after: the page of one player's scenarios after a given one in id
-- order, optionally filtered (a cursor's page), and whether the player exists, in one round
-- trip.
--
-- Parameters:
--   $1 player_id      bigint
--   $2 after_id       bigint   the id of the previous page's last scenario
--   $3 limit          integer  rows to return (1-1001: a page and the next row)
--   $4 scenario_type  text     only this type; null for all
--   $5 is_successful  boolean  only these results; null for all (unplayed ones included)
-- Returns: no row when the player does not exist; otherwise one row per scenario, or a single
--   row whose scenario columns are all null when the page is empty.
-- Index: player_profiles_pkey for the player; game_scenarios_player_id_id_idx sought to
--   (player_id, the first id above $2) and walked from there: the cost grows with limit and
--   with the rows the filters pass over, not with the pages before.
SELECT s.id, p.id AS player_id, s.scenario_type, s.content, s.difficulty_level, s.is_successful,
       s.created_at, s.completed_at, s.rating_before, s.rating_after
FROM player_profiles AS p
LEFT JOIN LATERAL (
    SELECT id, scenario_type, content, difficulty_level, is_successful,
           created_at, completed_at, rating_before, rating_after
    FROM game_scenarios
    WHERE player_id = p.id
      AND id > $2
      AND ($4::text IS NULL OR scenario_type = $4)
      AND ($5::boolean IS NULL OR is_successful = $5)
    ORDER BY id
    LIMIT $3
) AS s ON true
WHERE p.id = $1
ORDER BY s.id;
