-- Scenarios a player takes on, and their results.
--
-- A result is all or nothing: is_successful, completed_at, rating_before and rating_after are
-- either all null (not played yet) or all set. Deleting a player deletes their scenarios.
-- depends: 0001.create-player-profiles
SET LOCAL lock_timeout = '5s';

CREATE TABLE game_scenarios (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    player_id        bigint NOT NULL,
    scenario_type    text NOT NULL,
    content          text NOT NULL,
    difficulty_level integer NOT NULL,
    is_successful    boolean,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    rating_before    double precision,
    rating_after     double precision,
    CONSTRAINT game_scenarios_player_id_fkey
        FOREIGN KEY (player_id) REFERENCES player_profiles (id) ON DELETE CASCADE,
    CONSTRAINT game_scenarios_scenario_type_length
        CHECK (char_length(scenario_type) BETWEEN 1 AND 50),
    CONSTRAINT game_scenarios_content_length
        CHECK (char_length(content) BETWEEN 1 AND 10000),
    CONSTRAINT game_scenarios_difficulty_level_range
        CHECK (difficulty_level BETWEEN 1 AND 10),
    CONSTRAINT game_scenarios_result_complete
        CHECK (
            (is_successful IS NULL) = (completed_at IS NULL)
            AND (is_successful IS NULL) = (rating_before IS NULL)
            AND (is_successful IS NULL) = (rating_after IS NULL)
        )
);

-- A player's scenarios in id order; also serves the foreign key's cascade on delete.
CREATE INDEX game_scenarios_player_id_id_idx ON game_scenarios (player_id, id);
