-- auth/list_clients: every client, revoked ones included, oldest first.
--
-- Parameters: none
-- Returns: one row per client (client_id, name, scope, created_at, revoked_at); no secrets.
-- Index: none, a scan and a sort: the table holds a handful of rows.
SELECT client_id, name, scope, created_at, revoked_at
FROM api_clients
ORDER BY created_at, client_id;
