-- service/backend_pid: the process id of the server backend that runs this statement. A
-- connection made straight to PostgreSQL learnt the same id when it started; through a pooler
-- (pgbouncer) it learnt the pooler's own key, so start-up and migrations tell the two apart.
--
-- Parameters: none
-- Returns: one row, one column: pg_backend_pid().
-- Index: none (touches no table).
SELECT pg_backend_pid();
