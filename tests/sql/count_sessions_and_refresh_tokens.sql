-- How many sessions and refresh tokens are held.
SELECT (SELECT count(*) FROM auth_sessions)::integer AS sessions,
       (SELECT count(*) FROM auth_refresh_tokens)::integer AS refresh_tokens;
