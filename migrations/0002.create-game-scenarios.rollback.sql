-- Drops the scenarios table with its indexes.
SET LOCAL lock_timeout = '5s';

DROP TABLE game_scenarios;
