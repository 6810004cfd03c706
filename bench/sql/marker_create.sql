-- marker_create: the one-row table that records which dataset the bench loaded here.
--
-- Parameters: none
-- Does: creates bench_dataset if missing. A row means the tables hold exactly the dataset it
--   describes (plus whatever earlier bench runs added past max_player_id/max_scenario_id);
--   no row means the bench never finished loading here.
CREATE TABLE IF NOT EXISTS bench_dataset (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    players         bigint NOT NULL,
    scenarios       bigint NOT NULL,
    fingerprint     text NOT NULL,
    max_player_id   bigint NOT NULL,
    max_scenario_id bigint NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now()
);
