-- service/replay_position: how much of the primary's write-ahead log a standby has replayed,
-- read by the read replica's check (socialproof/replicas.py) right after wal_position on the
-- primary.
--
-- Parameters: none
-- Returns: one row, one column: position, in bytes from the log's start (bigint), comparable
--   with service/wal_position's; NULL when the server is not a standby (never was, or was
--   promoted): its data no longer follows the primary.
-- Index: none (server counters; touches no table).
SELECT CASE WHEN pg_is_in_recovery()
            THEN (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint
       END AS position;
