-- How many rating_bands rows differ from the players counted afresh: rows kept by the
-- triggers that a fresh count lacks or counts otherwise, and the reverse (a row of 0 players
-- counts as no row).
WITH kept AS (
    SELECT level, band, shard, players
    FROM rating_bands
    WHERE players <> 0
), fresh AS (
    SELECT counted.level, counted.band, (p.id % rating_band_shards())::smallint AS shard,
           count(*) AS players
    FROM player_profiles AS p,
         LATERAL (SELECT level::smallint, rating_band_counting(level, p.player_skill_rating)
                  FROM generate_series(-1, 1) AS level) AS counted (level, band)
    WHERE counted.band IS NOT NULL
    GROUP BY 1, 2, 3
)
SELECT count(*)
FROM ((SELECT * FROM kept EXCEPT SELECT * FROM fresh)
      UNION ALL
      (SELECT * FROM fresh EXCEPT SELECT * FROM kept)) AS differing;
