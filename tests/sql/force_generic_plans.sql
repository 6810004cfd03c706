-- Plan prepared statements as PostgreSQL does after a few executions: without the values.
SET plan_cache_mode = force_generic_plan;
