-- Ends the service's connections that wait on a lock (57P01 for their statements); returns
-- how many.
SELECT count(pg_terminate_backend(pid))::integer
FROM pg_stat_activity
WHERE application_name = 'socialproof' AND wait_event_type = 'Lock';
