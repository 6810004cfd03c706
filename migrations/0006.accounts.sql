-- Accounts and access: players' password hashes, their sessions with rotating refresh
-- tokens, and the credentials of trusted clients (game servers, operators).
--
-- A player with no row in player_credentials (every player registered before this migration)
-- cannot log in until an admin sets a password. Deleting a player deletes their credentials
-- and sessions (ON DELETE CASCADE); ending a session deletes its refresh tokens. Refresh
-- tokens and client secrets are high-entropy random strings, stored only as their SHA-256.
-- depends: 0004.rating-bands
SET LOCAL lock_timeout = '5s';

CREATE TABLE player_credentials (
    player_id     bigint NOT NULL,
    password_hash text NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT player_credentials_pkey PRIMARY KEY (player_id),
    CONSTRAINT player_credentials_player_id_fkey
        FOREIGN KEY (player_id) REFERENCES player_profiles (id) ON DELETE CASCADE,
    CONSTRAINT player_credentials_password_hash_argon2id
        CHECK (password_hash LIKE '$argon2id$%')
);

-- One login of a player: the chain of refresh tokens that rotate from it.
CREATE TABLE auth_sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    player_id  bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auth_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT auth_sessions_player_id_fkey
        FOREIGN KEY (player_id) REFERENCES player_profiles (id) ON DELETE CASCADE
);

-- Serves "end every session of this player" and the cascade from player_profiles.
CREATE INDEX auth_sessions_player_id_idx ON auth_sessions (player_id);

-- Every refresh token a session has been given. A used one is kept (used_at set) so that
-- presenting it again is recognized as reuse and ends its session.
CREATE TABLE auth_refresh_tokens (
    token_hash bytea NOT NULL,
    session_id bigint NOT NULL,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT auth_refresh_tokens_pkey PRIMARY KEY (token_hash),
    CONSTRAINT auth_refresh_tokens_session_id_fkey
        FOREIGN KEY (session_id) REFERENCES auth_sessions (id) ON DELETE CASCADE,
    CONSTRAINT auth_refresh_tokens_token_hash_sha256
        CHECK (octet_length(token_hash) = 32),
    CONSTRAINT auth_refresh_tokens_expiry_after_issue
        CHECK (expires_at > issued_at)
);

-- Serves the cascade from auth_sessions.
CREATE INDEX auth_refresh_tokens_session_id_idx ON auth_refresh_tokens (session_id);

-- Trusted clients: they get access tokens with their scopes by the client-credentials grant.
CREATE TABLE api_clients (
    client_id   text NOT NULL,
    name        text NOT NULL,
    secret_hash bytea NOT NULL,
    scope       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT api_clients_pkey PRIMARY KEY (client_id),
    CONSTRAINT api_clients_client_id_format CHECK (client_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    CONSTRAINT api_clients_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT api_clients_secret_hash_sha256 CHECK (octet_length(secret_hash) = 32),
    -- Space-separated, each scope once at most, only the scopes a client may hold.
    CONSTRAINT api_clients_scope_known
        CHECK (scope IN ('results:write', 'admin', 'results:write admin'))
);
