-- database_create: a database of the bench's own on the server (the smoke's, or one per
-- size of the scaling table), so they never overwrite the main dataset.
--
-- Parameters: {database}, filled in by the bench as a quoted identifier (CREATE DATABASE
--   takes no bind parameters).
CREATE DATABASE {database};
