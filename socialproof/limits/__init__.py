"""Rate limits (GCRA, in memory, PostgreSQL or Redis) and the client addresses they count."""
