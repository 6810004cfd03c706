-- marker_clear: forget the recorded dataset, before the tables are emptied and reloaded,
-- so that a load interrupted halfway is never mistaken for a complete one.
--
-- Parameters: none
DELETE FROM bench_dataset;
