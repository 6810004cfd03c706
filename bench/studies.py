"""Two studies beside the main measurement: known wins weighed on the floor, and how the
leaderboard and the rank scale with the number of players."""

import json
import statistics
from dataclasses import dataclass, replace
from functools import partial

import asyncpg

from bench import dataset
from bench.measure import Driving, Ratio, Row, Run, Setup, alternate, log, serve
from bench.targets import ROUTE, TARGETS, WINS
from socialproof.sqlfiles import SQL as SERVICE_SQL


def wins(setup: Setup, players: int, seconds: int, how: Driving) -> tuple[list[Row], list[Ratio]]:
    """Each variant in WINS flips one habit back to the slower choice; its rate on
    GET /players/{id} is held against the first's, the baseline's, round by round. One server
    up at a time: idle pools would hold connections the next variant needs."""
    route, params = ROUTE["get_player"], {"players": str(players)}
    runs: dict[str, list[Run]] = {variant.name: [] for variant in WINS}
    for _ in range(how.rounds):
        for variant in WINS:
            with serve(variant, setup) as server:
                (row,) = alternate([server], route, lambda: params, seconds, how)
            runs[variant.name] += row.runs
    rows = [Row.of(name, route, measured) for name, measured in runs.items()]
    baseline, *others = rows
    return rows, [ratio for row in others if (ratio := Ratio.of(row, baseline))]


EXPLAIN_RUNS = 5
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


async def _explain(conn: asyncpg.Connection, players: int) -> dict[str, float]:
    middle, explain = players // 2, dataset.SQL["explain"]

    async def one(name: str, *args: object) -> int:
        return await conn.fetchval(dataset.SQL[name], *args)

    # The middle player sits in the crowd at the start rating (a fifth of the players);
    # the players just beside it, in the densest bands.
    middle_id = await one("player_at_position", middle)
    ids = {
        "top player": await one("player_at_position", 0),
        "player above the middle": await one("player_rated_next_above", middle_id),
        "middle player": middle_id,
        "player below the middle": await one("player_rated_next_below", middle_id),
        "last player": await one("player_at_position", players - 1),
    }
    # The middle page again, as its cursor reaches it: after the player just before it,
    # 11 rows: the service reads a page of 10 and the row that says whether another follows.
    before_id = await one("player_at_position", middle - 1)
    before = await conn.fetchrow(SERVICE_SQL["players/get_by_id"], before_id)
    after = (before["player_skill_rating"], before["id"])
    cases = [
        ("leaderboard, top page", "ratings/leaderboard", (0, 10)),
        ("leaderboard, middle page", "ratings/leaderboard", (middle, 10)),
        ("leaderboard, middle page by cursor", "ratings/leaderboard_after", (*after, 11)),
        *((f"rank, {who}", "ratings/player_rank", (ids[who],)) for who in ids),
    ]
    timings = {}
    for case, name, args in cases:
        query = explain.replace("{statement}", SERVICE_SQL[name])
        plans = [json.loads(await conn.fetchval(query, *args)) for _ in range(EXPLAIN_RUNS)]
        timings[case] = round(statistics.median(p[0]["Execution Time"] for p in plans), 3)
    return timings


def scaling(
    server_url: str, sizes: tuple[int, ...], setup: Setup, seconds: int, how: Driving
) -> list[Scale]:
    """How the leaderboard page (by skip and by cursor) and the rank grow with the players: per
    size, a players-only database built afresh (both read player_profiles alone), EXPLAIN
    ANALYZE of the service's own statements, then short wrk runs of the service on it."""
    scales = []
    for players in sizes:
        data = dataset.load(server_url, f"socialproof_bench_scale_{players}", players, 0, 0.0)
        log(f"scaling: {players:,} players loaded in {data.load_seconds} s")
        explain_ms = dataset.connected(data.url, partial(_explain, players=players))
        http = {}
        with serve(TARGETS[0], replace(setup, database_url=data.url)) as service:
            for case, (route, extra) in HTTP_CASES.items():
                params = {"players": str(players), **extra}
                (http[case],) = alternate([service], route, lambda p=params: p, seconds, how)
        scales.append(Scale(players, data.load_seconds, explain_ms, http))
    return scales
