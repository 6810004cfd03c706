-- admin/drop_database: drop a database if it is there, ending any session still open on it
-- (a killed run may have left one behind).
--
-- Parameters: none; {database} is filled in as a quoted identifier (DROP DATABASE takes no
--   bind parameters).
-- Returns: nothing.
-- Index: none (touches no table).
DROP DATABASE IF EXISTS {database} WITH (FORCE);
