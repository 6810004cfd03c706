-- How many of the service's connections wait on a lock.
SELECT count(*)::integer
FROM pg_stat_activity
WHERE application_name = 'socialproof' AND wait_event_type = 'Lock';
