-- Idempotency keys (the Idempotency-Key request header): one row per key a caller has used on
-- a write, holding the answer that write gave, so that a retry gets that answer again instead
-- of running twice.
--
-- A row is inserted by the request that runs, in the same transaction as its write, and its
-- answer is set before that transaction commits: a row other sessions can see always has its
-- answer, and a write that rolls back (or a process that dies) leaves no key behind. While
-- the first request runs, its uncommitted row is what a repeat with the same key conflicts
-- with, so the database, not the service, decides which of two racing requests runs.
--
-- Logged, unlike rate_limits: the keys must survive a crash exactly as the writes they guard.
-- No foreign key: a key outlives what its write created (a player deleted since, say).
-- depends: 0009.players-rated-above
SET LOCAL lock_timeout = '5s';

CREATE TABLE idempotency_keys (
    -- Whose key: 'player:<id>' or 'client:<client_id>' (a token's subject), or
    -- 'address:<client address>' for a caller without one.
    scope       text NOT NULL,
    key         text NOT NULL,
    -- SHA-256 of the request's method, path and body (a JSON body without its password): the
    -- same key with another request is refused, not answered with this one's result.
    fingerprint bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- The answer, set in the transaction that inserted the row.
    status      smallint,
    body        bytea,
    location    text,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key),
    CONSTRAINT idempotency_keys_scope_length CHECK (char_length(scope) BETWEEN 1 AND 128),
    -- The header's String (RFC 8941): printable ASCII.
    CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255),
    CONSTRAINT idempotency_keys_key_printable_ascii CHECK (key !~ '[^ -~]'),
    CONSTRAINT idempotency_keys_fingerprint_sha256 CHECK (octet_length(fingerprint) = 32),
    -- Failures (5xx) are never kept: the key stays free for the retry.
    CONSTRAINT idempotency_keys_status_kept CHECK (status BETWEEN 200 AND 499),
    CONSTRAINT idempotency_keys_answer_whole CHECK ((status IS NULL) = (body IS NULL)),
    CONSTRAINT idempotency_keys_location_of_answer CHECK (location IS NULL OR status IS NOT NULL)
);

-- Serves the purge of expired keys, oldest first, a few at a time.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
