-- admin/create_database: an empty database on the server, for a test run or the bench.
--
-- Parameters: none; {database} is filled in as a quoted identifier (CREATE DATABASE takes
--   no bind parameters).
-- Returns: nothing.
-- Index: none (touches no table).
CREATE DATABASE {database};
