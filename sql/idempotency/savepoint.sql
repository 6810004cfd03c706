-- idempotency/savepoint: mark the point after a key's claim, before the request's write.
--
-- A write that fails on a constraint (a username taken, a player missing) aborts the
-- transaction; rolling back to here (idempotency/rollback_to_savepoint) undoes the write but
-- keeps the claim, so that the failure's answer is kept under the key like any other.
--
-- Parameters: none
-- Returns: nothing.
-- Index: none.
SAVEPOINT idempotent_write;
