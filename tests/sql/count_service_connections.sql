-- How many connections the service holds open on this database.
SELECT count(*)::integer
FROM pg_stat_activity
WHERE application_name = 'socialproof' AND datname = current_database();
