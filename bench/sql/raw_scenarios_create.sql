-- raw_scenarios_create: the work table the scenarios are generated into before their
-- ratings are computed; dropped with the connection.
--
-- Parameters: none
CREATE TEMPORARY TABLE bench_raw_scenarios (
    id               bigint NOT NULL,
    player_id        bigint NOT NULL,
    scenario_type    text NOT NULL,
    content          text NOT NULL,
    difficulty_level integer NOT NULL,
    is_successful    boolean,
    created_at       timestamptz NOT NULL,
    completed_at     timestamptz
);
