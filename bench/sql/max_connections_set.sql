-- max_connections_set: room for every server the bench keeps up at once (the service, its
-- two-worker variant and the floor, each with a pool sized like the service's), taking
-- effect at the next restart.
--
-- Parameters: none
-- Returns: nothing.
ALTER SYSTEM SET max_connections = 300;
