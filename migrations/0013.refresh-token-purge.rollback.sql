-- Refresh tokens are no longer forgotten after they expire: they stay with their session.
SET LOCAL lock_timeout = '5s';

DROP TRIGGER auth_refresh_tokens_forget_expired ON auth_refresh_tokens;
DROP FUNCTION forget_expired_refresh_tokens();
DROP INDEX auth_refresh_tokens_expires_at_idx;
