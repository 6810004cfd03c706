-- raw_scenarios_fill: generate the scenarios, set-based.
--
-- Parameters:
--   $1 players    bigint            players the scenarios are spread over (ids 1..$1)
--   $2 scenarios  bigint            how many to generate (ids 1..$2)
--   $3 played     double precision  share of scenarios with a result (0..1)
-- Does: one INSERT ... SELECT over generate_series. Each scenario goes to a random player
--   (about $2 / $1 each, Poisson-spread), has one of eight types, a difficulty 1..10, and
--   with probability $3 a result: success is likelier at low difficulty. Scenarios are
--   created over the last 30 days in id order; a result comes 1 to 120 minutes later.
INSERT INTO bench_raw_scenarios
SELECT g,
       player_id,
       (ARRAY['negotiation', 'persuasion', 'conflict', 'interview', 'networking',
              'feedback', 'sales', 'presentation'])[1 + g % 8],
       'Scenario ' || g || ': hold your ground politely while the other side keeps asking '
           || 'for a discount you cannot give.',
       difficulty_level,
       CASE WHEN played THEN random() < (11 - difficulty_level) / 10.0 END,
       created_at,
       CASE WHEN played THEN created_at + (1 + random() * 119) * interval '1 minute' END
FROM (
    SELECT g,
           1 + floor(random() * $1)::bigint AS player_id,
           1 + floor(random() * 10)::integer AS difficulty_level,
           random() < $3 AS played,
           now() - interval '30 days' + (g::double precision / $2) * interval '30 days'
               - interval '2 hours' AS created_at
    FROM generate_series(1, $2::bigint) AS g
) AS s;
