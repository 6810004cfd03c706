-- Takes the strongest lock on the players' table (inside a transaction): every statement that
-- reads or writes a player waits until it ends.
LOCK TABLE player_profiles IN ACCESS EXCLUSIVE MODE;
