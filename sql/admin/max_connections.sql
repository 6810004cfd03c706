-- admin/max_connections: how many connections the server takes, as a number.
--
-- Parameters: none
-- Returns: one row, one integer column.
-- Index: none (touches no table).
SELECT current_setting('max_connections')::integer;
