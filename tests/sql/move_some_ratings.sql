-- Moves a third of the players' ratings and deletes a tenth of the players, in bulk.
WITH moved AS (
    UPDATE player_profiles
    SET player_skill_rating = player_skill_rating + (id % 7 - 3) * 4.5
    WHERE id % 3 = 0
)
DELETE FROM player_profiles WHERE id % 10 = 1;
