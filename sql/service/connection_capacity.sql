-- service/connection_capacity: the server's connection slots, read once at start-up to check
-- that every worker's pool fits, who the service connects as, and the statement timeout a
-- connection gets without asking (what a pooler's shared server connections run with).
--
-- Parameters: none
-- Returns: one row: max_connections; reserved, the slots ordinary roles cannot use
--   (superuser_reserved_connections, plus reserved_connections from PostgreSQL 16 on); open,
--   the client connections now open, this one included; role_name and is_superuser;
--   statement_timeout_ms, this session's statement_timeout in milliseconds (0: none).
-- Index: none: server settings, and pg_stat_activity's one row per server process.
SELECT current_setting('max_connections')::integer AS max_connections,
       current_setting('superuser_reserved_connections')::integer
           + coalesce(current_setting('reserved_connections', true)::integer, 0) AS reserved,
       (SELECT count(*)::integer
        FROM pg_stat_activity
        WHERE backend_type = 'client backend') AS open,
       current_user AS role_name,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
       (SELECT setting::integer
        FROM pg_settings
        WHERE name = 'statement_timeout') AS statement_timeout_ms;
