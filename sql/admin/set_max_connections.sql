-- admin/set_max_connections: room for more connections, from the next start on.
--
-- Parameters: none; {value} is filled in as a literal (ALTER SYSTEM takes no bind
--   parameters).
-- Returns: nothing.
-- Index: none (touches no table).
ALTER SYSTEM SET max_connections = {value};
