-- service/migrations_missing: which of the service's migrations the database has not applied
-- (yoyo records each applied one in _yoyo_migration). Used by GET /health/ready.
--
-- Parameters:
--   $1 migration_ids  text[]  every migration this version of the service ships
-- Returns: one row, one column: the ids not applied, in no particular order; empty when current.
-- Index: none: _yoyo_migration holds one small row per migration, read whole.
SELECT ARRAY(
    SELECT unnest($1::text[])
    EXCEPT
    SELECT migration_id FROM _yoyo_migration
);
