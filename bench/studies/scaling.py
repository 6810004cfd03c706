"""How the leaderboard page (by skip and by cursor) and the rank cost grow with the number of
players: one players-only database per size (both read player_profiles alone), each timed two
ways: EXPLAIN ANALYZE of the service's own statements, and a short wrk run against the service."""

import asyncio
import json
import statistics
from dataclasses import dataclass, replace

import asyncpg

from bench import dataset
from bench.measure import Driving, Row, alternate, log
from bench.servers import Setup, serve
from bench.targets import ROUTE, TARGETS
from socialproof.sqlfiles import SQL as SERVICE_SQL

EXPLAIN_RUNS = 5
SQL_NEXT_ABOVE = dataset.SQL["player_rated_next_above"]
SQL_NEXT_BELOW = dataset.SQL["player_rated_next_below"]
# Deep pages are left to EXPLAIN: at a million players one takes longer than an HTTP run.
HTTP_CASES = {
    "leaderboard, top page": (ROUTE["leaderboard"], {"skip": "0"}),
    "rank, random players": (ROUTE["rank"], {}),
}


@dataclass(frozen=True)
class Scale:
    players: int
    load_seconds: float
    #: Case -> median execution time in ms of EXPLAIN (ANALYZE) over EXPLAIN_RUNS runs.
    explain_ms: dict[str, float]
    #: Case -> the service over HTTP.
    http: dict[str, Row]


async def _explain(url: str, players: int) -> dict[str, float]:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        at = {"top": 0, "middle": players // 2, "last": players - 1}
        ids = {
            where: await conn.fetchval(dataset.SQL["player_at_position"], position)
            for where, position in at.items()
        }
        # The middle player sits in the crowd at the start rating (a fifth of the players);
        # the players just beside it, in the densest bands.
        beside = {
            "above the middle": await conn.fetchval(SQL_NEXT_ABOVE, ids["middle"]),
            "below the middle": await conn.fetchval(SQL_NEXT_BELOW, ids["middle"]),
        }
        ids = {
            "top player": ids["top"],
            "player above the middle": beside["above the middle"],
            "middle player": ids["middle"],
            "player below the middle": beside["below the middle"],
            "last player": ids["last"],
        }
        # The middle page again, as its cursor reaches it: after the player just before it.
        before_middle = await conn.fetchrow(
            SERVICE_SQL["players/get_by_id"],
            await conn.fetchval(dataset.SQL["player_at_position"], players // 2 - 1),
        )
        after = (before_middle["player_skill_rating"], before_middle["id"])
        cases = [
            ("leaderboard, top page", "ratings/leaderboard", (0, 10)),
            ("leaderboard, middle page", "ratings/leaderboard", (players // 2, 10)),
            # 11: the service reads a page of 10 and the row that says whether another follows.
            ("leaderboard, middle page by cursor", "ratings/leaderboard_after", (*after, 11)),
            *((f"rank, {who}", "ratings/player_rank", (ids[who],)) for who in ids),
        ]
        timings = {}
        for case, name, args in cases:
            query = dataset.SQL["explain"].replace("{statement}", SERVICE_SQL[name])
            times = [
                json.loads(await conn.fetchval(query, *args))[0]["Execution Time"]
                for _ in range(EXPLAIN_RUNS)
            ]
            timings[case] = round(statistics.median(times), 3)
        return timings
    finally:
        await conn.close()


def run(
    server_url: str, sizes: tuple[int, ...], setup: Setup, seconds: int, how: Driving
) -> list[Scale]:
    """Per size: its database built afresh, EXPLAIN of each case, then the service on it."""
    scales = []
    for players in sizes:
        data = dataset.load(server_url, f"socialproof_bench_scale_{players}", players, 0, 0.0)
        log(f"scaling: {players:,} players loaded in {data.load_seconds} s")
        explain_ms = asyncio.run(_explain(data.url, players))
        http = {}
        with serve(TARGETS[0], replace(setup, database_url=data.url)) as service:
            for case, (route, extra) in HTTP_CASES.items():
                params = {"players": str(players), **extra}
                (http[case],) = alternate([service], route, lambda p=params: p, 1, seconds, how)
        scales.append(Scale(players, data.load_seconds, explain_ms, http))
    return scales
