-- marker_table_exists: has the bench ever loaded into this database? Checked before the bench
-- empties any table, so that it never wipes a database it did not fill itself.
--
-- Parameters: none
-- Returns: one row, one boolean column.
SELECT to_regclass('bench_dataset') IS NOT NULL;
