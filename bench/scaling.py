"""The scaling table: how the leaderboard page and the rank cost grow with the number of
players. One database per size (players only: both read player_profiles alone), each timed
two ways: EXPLAIN (ANALYZE, BUFFERS) of the service's own statements, and a short wrk run
against the service serving that database."""

import asyncio
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from bench import database
from bench.database import SQL
from bench.load import LoadResult
from socialproof import SQL_DIR as SERVICE_SQL_DIR
from socialproof.sqlfiles import SqlFiles

SERVICE_SQL = SqlFiles(SERVICE_SQL_DIR)
LEADERBOARD = "ratings/leaderboard"
RANK = "ratings/player_rank"
EXPLAIN_RUNS = 5


@dataclass
class ScalingRow:
    players: int
    load_seconds: float | None
    #: Case name -> median execution time (ms) and shared buffers touched, or None.
    explain: dict[str, dict[str, float] | None] = field(default_factory=dict)
    #: Case name -> the wrk run against the service, or None when it could not run.
    http: dict[str, LoadResult | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "players": self.players,
            "load_seconds": self.load_seconds,
            "explain": self.explain,
            "http": {name: r.as_dict() if r else None for name, r in self.http.items()},
        }


def _buffers(plan: dict) -> float:
    node = plan["Plan"]
    return float(node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0))


async def _explain(url: str, players: int) -> dict[str, dict[str, float] | None]:
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        positions = {"top": 0, "middle": players // 2, "last": players - 1}
        ids = {
            where: await conn.fetchval(SQL["player_at_position"], position)
            for where, position in positions.items()
        }
        cases: list[tuple[str, str, tuple[object, ...]]] = [
            ("leaderboard, top page", LEADERBOARD, (0, 10)),
            ("leaderboard, middle page", LEADERBOARD, (players // 2, 10)),
            ("rank, top player", RANK, (ids["top"],)),
            ("rank, middle player", RANK, (ids["middle"],)),
            ("rank, last player", RANK, (ids["last"],)),
        ]
        results: dict[str, dict[str, float] | None] = {}
        for name, statement, args in cases:
            if statement not in SERVICE_SQL.names():
                results[name] = None
                continue
            query = SQL["explain"].replace("{statement}", SERVICE_SQL[statement])
            plans = []
            for _ in range(EXPLAIN_RUNS):
                raw = await conn.fetchval(query, *args)
                plans.append((json.loads(raw) if isinstance(raw, str) else raw)[0])
            results[name] = {
                "ms": round(statistics.median(p["Execution Time"] for p in plans), 3),
                "buffers": _buffers(plans[-1]),
            }
        return results
    finally:
        await conn.close()


def measure(
    server_url: str,
    sizes: list[int],
    http_run: Callable[[str, int], dict[str, LoadResult | None]],
    log: Callable[[str], None],
) -> list[ScalingRow]:
    """One row per size. `http_run(database_url, players)` serves that database and drives
    the HTTP cases; it may return {} when the service cannot serve them."""
    rows = []
    for players in sizes:
        url = database.ensure_database(server_url, f"socialproof_bench_scale_{players}")
        dataset = database.prepare_dataset(url, players, 0)
        log(
            f"scaling: {players:,} players "
            + (f"loaded in {dataset.load_seconds:.1f} s" if dataset.load_seconds else "reused")
        )
        if dataset.load_seconds is not None:
            database.checkpoint(url)
        row = ScalingRow(players, dataset.load_seconds)
        row.explain = asyncio.run(_explain(url, players))
        row.http = http_run(url, players)
        rows.append(row)
    return rows
