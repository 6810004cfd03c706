-- scenarios_sequence_sync: move game_scenarios' identity and its result_order sequence past
-- the values the load gave explicitly, so the service's next scenario and next result get
-- fresh ones.
--
-- Parameters: none
-- Returns: one row: the two sequences' new last values.
SELECT setval(pg_get_serial_sequence('game_scenarios', 'id'),
              greatest((SELECT max(id) FROM game_scenarios), 1)) AS last_id,
       setval(pg_get_serial_sequence('game_scenarios', 'result_order'),
              greatest((SELECT max(result_order) FROM game_scenarios), 1)) AS last_result_order;
