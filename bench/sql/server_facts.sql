-- server_facts: the PostgreSQL settings that bear on the numbers, for the report.
--
-- Parameters: none
-- Returns: one row per setting: name, setting (as SHOW prints it, unit included).
SELECT name, current_setting(name) AS setting
FROM pg_settings
WHERE name IN ('server_version', 'max_connections', 'shared_buffers', 'work_mem',
               'synchronous_commit', 'fsync', 'effective_cache_size', 'jit')
ORDER BY name;
