-- service/wal_position: how much write-ahead log the primary has written, sampled by the read
-- replica's check (socialproof/replicas.py) to learn how far behind the replica is.
--
-- Parameters: none
-- Returns: one row, one column: position, the log's write position in bytes from its start
--   (bigint). Every transaction committed before the statement ran ends at or before it.
-- Index: none (a server counter; touches no table).
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS position;
