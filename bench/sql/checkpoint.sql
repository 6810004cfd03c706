-- checkpoint: write out what the load left dirty now, so that the checkpoint it
-- would cause does not land in the middle of a measurement.
--
-- Parameters: none
-- Needs: superuser or the pg_checkpoint role (PostgreSQL 15+); the bench goes on without it.
CHECKPOINT;
