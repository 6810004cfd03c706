-- auth/create_client: register a trusted client (a game server, an operator's tool).
--
-- Parameters:
--   $1 client_id    text   random, 8-64 of A-Z a-z 0-9 _ -
--   $2 name         text   what the client is, for people (1-100 characters)
--   $3 secret_hash  bytea  SHA-256 of the client secret (the secret itself is never stored)
--   $4 scope        text   'results:write', 'admin' or 'results:write admin'
-- Returns: the client's id, name, scope and creation time.
-- Index: none read; api_clients_pkey refuses a duplicate id.
INSERT INTO api_clients (client_id, name, secret_hash, scope)
VALUES ($1, $2, $3, $4)
RETURNING client_id, name, scope, created_at;
