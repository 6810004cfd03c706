-- 20,000 scenarios over the first 200 players (populate_players first), two types, a third of
-- them unplayed, for plans on a populated table.
INSERT INTO game_scenarios (player_id, scenario_type, content, difficulty_level,
                            is_successful, completed_at, rating_before, rating_after,
                            result_order)
SELECT 1 + n % 200, CASE WHEN n % 2 = 0 THEN 'negotiation' ELSE 'small talk' END, 'practice',
       1 + n % 10, played.is_successful,
       CASE WHEN played.is_successful IS NOT NULL THEN now() END,
       CASE WHEN played.is_successful IS NOT NULL THEN 500 END,
       CASE WHEN played.is_successful IS NOT NULL THEN 510 END,
       CASE WHEN played.is_successful IS NOT NULL
            THEN nextval('game_scenarios_result_order_seq') END
FROM generate_series(1, 20000) AS n,
     LATERAL (SELECT CASE n % 3 WHEN 0 THEN NULL WHEN 1 THEN true ELSE false END
              AS is_successful) AS played;
