-- Plan without indexes for the rest of the session, so that an order the statement does not
-- ask for cannot come from the order of an index.
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
