-- auth/authenticate_client: the scopes of a client whose id and secret match and that is not
-- revoked. The secret is a high-entropy random string, so comparing its SHA-256 in SQL leaks
-- nothing usable through timing.
--
-- Parameters:
--   $1 client_id    text
--   $2 secret_hash  bytea  SHA-256 of the presented secret
-- Returns: the client's scope, or no row.
-- Index: api_clients_pkey.
SELECT scope
FROM api_clients
WHERE client_id = $1 AND secret_hash = $2 AND revoked_at IS NULL;
