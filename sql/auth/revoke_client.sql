-- auth/revoke_client: stop a client from getting new tokens; revoking twice keeps the first
-- time.
--
-- Parameters:
--   $1 client_id  text
-- Returns: the client's id and revocation time, or no row when there is no such client.
-- Index: api_clients_pkey.
UPDATE api_clients
SET revoked_at = coalesce(revoked_at, now())
WHERE client_id = $1
RETURNING client_id, revoked_at;
