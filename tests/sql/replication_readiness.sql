-- What a physical standby of this server needs: its major version (for matching programs),
-- a wal_level that carries enough for a standby, WAL senders, and a role allowed to replicate.
SELECT current_setting('server_version_num')::integer / 10000 AS major,
       current_setting('wal_level') AS wal_level,
       current_setting('max_wal_senders')::integer AS max_wal_senders,
       (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user)
           AS may_replicate;
