"""Ranks stay exact under concurrent results, sign-ups and deletes: in every snapshot taken
while they run, and after, against a brute-force count.

The players start crowded around 480 and 500 (an edge of every level, and the start rating)
and each shard holds a few of them, so that concurrent writes meet on the same band rows and
move players across them in both directions. tests/test_locks.py holds the order in which a
write takes those rows; here a deadlock would show as a write the service retried, which the
test counts.
"""

import asyncio
import random
from typing import Any

import asyncpg

from tests import pg
from tests.api import Client
from tests.test_metrics import scrape, value
from tests.test_rank_bands import assert_bands_are_exact, assert_ranks_are_exact

WORKERS = 8
OPERATIONS = 40  # per worker
SEED = 20_240_601
FINE = ("-0.5", "-0.03", "0.001", "0.02", "0.6")  # steps across the finer levels' edges


def starting_ratings(rng: random.Random) -> list[float]:
    ratings = [500.0] * 24  # players who never played
    ratings += [rng.uniform(455, 525) for _ in range(56)]
    ratings += [480 + float(step) for step in FINE] + [500 + float(step) for step in FINE]
    return ratings


async def write_storm(client: Client, worker: int, players: list[int]) -> list[int]:
    """One worker's random results, sign-ups and deletes; the statuses it got."""
    rng = random.Random(SEED + worker)
    statuses = []

    async def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await client.request(method, path, json=body)
        statuses.append(response.status)
        return await response.json() if response.status in (200, 201) else None

    for n in range(OPERATIONS):
        action = rng.random()
        player = rng.choice(players)
        scenario = {
            "player_id": player,
            "scenario_type": "duel",
            "content": "Hold the line.",
            "difficulty_level": rng.randint(1, 10),
        }
        if action < 0.45:  # a scenario played at once
            await call("POST", "/scenarios/", {**scenario, "is_successful": rng.random() < 0.5})
        elif action < 0.65:  # a scenario, then its result
            created = await call("POST", "/scenarios/", scenario)
            if created:
                path = f"/scenarios/{created['id']}/result"
                await call("POST", path, {"is_successful": rng.random() < 0.5})
        elif action < 0.85:  # a sign-up, at the start rating
            name = f"storm{worker}x{n}"
            body = {"username": name, "email": f"{name}@example.com"}
            if joined := await call("POST", "/players/", body):
                players.append(joined["id"])
        else:
            await call("DELETE", f"/players/{player}")
            if statuses[-1] == 204 and player in players:
                players.remove(player)
    return statuses


async def snapshots_stay_exact(database_url: str, storm: asyncio.Future[Any]) -> int:
    """Compares every player's count with a brute-force one, in one snapshot at a time, until
    the storm is over; how many snapshots it checked."""
    conn = await asyncpg.connect(database_url)
    checked = 0
    try:
        while not storm.done() or not checked:
            assert await conn.fetchval(pg.read("rank_mismatches")) == 0
            checked += 1
    finally:
        await conn.close()
    return checked


async def test_ranks_stay_exact_under_concurrent_results_sign_ups_and_deletes(
    client: Client, empty_tables: str
) -> None:
    conn = await asyncpg.connect(empty_tables)
    try:
        await conn.execute(pg.read("insert_rated_players"), starting_ratings(random.Random(SEED)))
    finally:
        await conn.close()
    players = [player_id for player_id, _ in pg.run(empty_tables, "all_ratings")]
    retries_before = value(await scrape(client), "db_client_retries_total", error_type="40P01")

    storm = asyncio.gather(*(write_storm(client, w, players) for w in range(WORKERS)))
    checked = await snapshots_stay_exact(empty_tables, storm)
    statuses = [status for worker in await storm for status in worker]

    # Every write answered; a 404 is a player deleted under another worker's write.
    assert set(statuses) <= {200, 201, 204, 404}, sorted(set(statuses))
    assert statuses.count(404) < len(statuses) // 10
    assert checked > 1
    retries = value(await scrape(client), "db_client_retries_total", error_type="40P01")
    assert retries == retries_before, "writes deadlocked (and were retried)"

    assert_bands_are_exact(empty_tables)
    ratings = pg.run(empty_tables, "all_ratings")
    assert len(ratings) > 80
    await assert_ranks_are_exact(client, empty_tables, sample=len(ratings))
