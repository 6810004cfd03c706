-- Drops clients, sessions with their refresh tokens, and players' password hashes.
SET LOCAL lock_timeout = '5s';

DROP TABLE api_clients;
DROP TABLE auth_refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE player_credentials;
