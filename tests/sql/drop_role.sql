-- Drops a role the test made.
DROP ROLE {role};
