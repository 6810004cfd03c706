-- Ends every connection of the service's to this database (its statements, if any, fail with
-- 57P01); returns how many.
SELECT count(pg_terminate_backend(pid))::integer
FROM pg_stat_activity
WHERE application_name = 'socialproof' AND datname = current_database();
