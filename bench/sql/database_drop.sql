-- database_drop: drop one of the bench's own databases whose schema came from migrations that
-- no longer exist (edited or renamed during development), so that it is built afresh.
--
-- Parameters: {database}, filled in by the bench as a quoted identifier. WITH (FORCE) ends
--   sessions a killed run may have left behind.
DROP DATABASE {database} WITH (FORCE);
