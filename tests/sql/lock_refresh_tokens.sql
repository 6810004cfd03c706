-- Holds every refresh token's row lock (inside the caller's transaction), so that requests
-- for the same token queue behind it and then race.
SELECT token_hash FROM auth_refresh_tokens FOR UPDATE
