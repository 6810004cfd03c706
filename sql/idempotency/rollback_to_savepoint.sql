-- idempotency/rollback_to_savepoint: undo a write that failed on a constraint, keeping the
-- key's claim (see idempotency/savepoint).
--
-- Parameters: none
-- Returns: nothing.
-- Index: none.
ROLLBACK TO SAVEPOINT idempotent_write;
