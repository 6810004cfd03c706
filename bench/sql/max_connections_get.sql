-- max_connections_get: how many connections the server takes, as a number.
--
-- Parameters: none
-- Returns: one row, one integer column.
SELECT current_setting('max_connections')::integer;
