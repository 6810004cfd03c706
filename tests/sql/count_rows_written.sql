-- How many players, scenarios and recorded results the database holds.
SELECT (SELECT count(*) FROM player_profiles)::integer AS players,
       (SELECT count(*) FROM game_scenarios)::integer AS scenarios,
       (SELECT count(*) FROM game_scenarios WHERE is_successful IS NOT NULL)::integer AS results;
