-- Moves every refresh token 30 days and 2 hours into the past: one issued now with the default
-- lifetime (30 days) expired two hours ago, past the hour after which it is forgotten.
UPDATE auth_refresh_tokens
SET issued_at = issued_at - interval '30 days 2 hours',
    expires_at = expires_at - interval '30 days 2 hours',
    used_at = used_at - interval '30 days 2 hours';
