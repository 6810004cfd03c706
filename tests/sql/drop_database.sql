-- Drops a test run's database, ending any connection still open to it.
DROP DATABASE IF EXISTS {database} WITH (FORCE)
