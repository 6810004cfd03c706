-- database_exists: is there a database of this name on the server?
--
-- Parameters:
--   $1 name  text
-- Returns: one row, one boolean column.
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1);
