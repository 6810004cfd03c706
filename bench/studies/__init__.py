"""One-off studies beside the main measurement: known wins weighed on the floor, and how the
leaderboard and the rank scale with the number of players."""
