-- Writes new versions of the odd-numbered players' rows, which a sequential scan then meets
-- after the even-numbered ones: the table's physical order no longer follows id.
UPDATE player_profiles SET username = username WHERE id % 2 = 1;
