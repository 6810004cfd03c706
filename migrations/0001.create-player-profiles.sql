-- Players: who they are and their skill rating.
--
-- The rules a client can break are enforced here, whatever the service checks first:
-- usernames and emails are unique case-insensitively (unique indexes on lower(...), whose
-- names the service maps to "Username already taken" / "Email already registered").
SET LOCAL lock_timeout = '5s';

CREATE TABLE player_profiles (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL,
    email               text NOT NULL,
    player_skill_rating double precision NOT NULL DEFAULT 500,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT player_profiles_username_format
        CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    CONSTRAINT player_profiles_email_format
        CHECK (char_length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    CONSTRAINT player_profiles_rating_finite
        CHECK (player_skill_rating > '-Infinity' AND player_skill_rating < 'Infinity')
);

CREATE UNIQUE INDEX player_profiles_username_key ON player_profiles (lower(username));
CREATE UNIQUE INDEX player_profiles_email_key ON player_profiles (lower(email));
