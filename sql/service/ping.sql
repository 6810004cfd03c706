-- service/ping: is the database answering? Used by GET /health.
--
-- Parameters: none
-- Returns: one row, one column: 1.
-- Index: none (touches no table).
SELECT 1;
