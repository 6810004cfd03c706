-- A fresh, empty database for one test run; {database} is filled in as a quoted identifier.
CREATE DATABASE {database}
