-- Moves every used refresh token 30 days and 2 hours into the past (age_refresh_tokens), and
-- leaves the unused ones, each the newest of its session, as they are.
UPDATE auth_refresh_tokens
SET issued_at = issued_at - interval '30 days 2 hours',
    expires_at = expires_at - interval '30 days 2 hours',
    used_at = used_at - interval '30 days 2 hours'
WHERE used_at IS NOT NULL;
