-- Players' ids in the order their current row versions lie in the table, as a sequential
-- scan meets them.
SELECT id FROM player_profiles ORDER BY ctid;
