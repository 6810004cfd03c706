-- Every statement this session runs, those inside functions included, has its plan sent to the
-- client as a LOG message (auto_explain; loading it needs a superuser, as the tests connect).
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET client_min_messages = log;
