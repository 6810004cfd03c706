-- explain: how one of the service's statements runs on the data as loaded, for the scaling
-- table: real execution time and buffers touched.
--
-- Parameters: the service statement's own ($1, $2, ...). The placeholder below stands for
--   that statement's text from sql/, filled in by the bench.
-- Returns: one row, one column: the plan as JSON, with "Execution Time" in milliseconds.
EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
{statement}
