-- elo_fold_create: the rating after a player's results applied one after another in the
-- aggregate's order, starting from 500; for this connection only (pg_temp), so the load
-- leaves nothing behind in the service's schema.
--
-- Parameters: none
-- Does: creates the aggregate pg_temp.bench_elo_fold(difficulty, success) over the service's
--   own rating rule, elo_rating_after (migration 0003). Used as a running window aggregate it
--   gives every result's rating_after (frame up to the row) and rating_before (frame up to the
--   row before; an empty frame is the initial 500) in one sorted pass, which is what makes a
--   consistent rating history loadable set-based.
CREATE AGGREGATE pg_temp.bench_elo_fold(integer, boolean) (
    SFUNC = elo_rating_after,
    STYPE = double precision,
    INITCOND = '500'
);
