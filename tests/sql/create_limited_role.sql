-- A role that may log in but never holds a connection (53300 "too many connections").
CREATE ROLE {role} LOGIN CONNECTION LIMIT 0;
