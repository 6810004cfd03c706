-- Moves every refresh token 30 days and 30 minutes into the past: one issued now with the
-- default lifetime (30 days) expired half an hour ago, within the hour it is still kept.
UPDATE auth_refresh_tokens
SET issued_at = issued_at - interval '30 days 30 minutes',
    expires_at = expires_at - interval '30 days 30 minutes',
    used_at = used_at - interval '30 days 30 minutes';
