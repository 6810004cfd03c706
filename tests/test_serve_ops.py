"""`python -m socialproof serve` as operators run it: start-up refused when the pools cannot
fit, and a SIGTERM drain under keep-alive load that fails no request."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import aiohttp

from socialproof import PROJECT_ROOT
from socialproof.pgserver import free_port
from tests import pg
from tests.pg import players_locked
from tests.test_cli import refused_start, service_env

SHUTDOWN_DELAY = 1.0


def test_a_pool_larger_than_the_server_allows_refuses_to_start(database_url: str) -> None:
    line = refused_start(
        service_env(DATABASE_URL=database_url, WORKERS="4", DB_POOL_MAX_SIZE="1000")
    )
    assert "4 x (1000 + 1) = 4004 connections do not fit" in line, line


async def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            assert process.poll() is None, "the service exited at start-up"
            try:
                async with session.get(f"http://127.0.0.1:{port}/health/ready") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert time.monotonic() < deadline, "the service did not come up"
            await asyncio.sleep(0.1)


async def test_sigterm_under_keep_alive_load_fails_no_request(
    database_url: str, tmp_path: Path
) -> None:
    """20 clients, each on one keep-alive connection, write and read without pause. A load
    balancer's view is modelled by a probe of /health/ready every 50 ms: once it answers 503,
    clients send nothing new. A slow request (waiting on a lock) is in flight when the port
    closes. Every request sent gets its answer, and the service exits 0."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "service.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before the load)
        [sys.executable, "-m", "socialproof", "serve", "--port", str(port)],
        env=service_env(
            DATABASE_URL=database_url,
            DB_POOL_MAX_SIZE="8",
            SHUTDOWN_DELAY=str(SHUTDOWN_DELAY),
            SHUTDOWN_TIMEOUT="5",
            RATE_LIMITS="off",  # 20 clients signing up as fast as they can
        ),
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_until_up(port, process)
        taken_out = asyncio.Event()
        outcomes: Counter[str] = Counter()
        told_to_close = 0

        async def client(n: int) -> None:
            nonlocal told_to_close
            connector = aiohttp.TCPConnector(limit=1)
            async with aiohttp.ClientSession(base, connector=connector) as session:
                sent = 0
                while not taken_out.is_set():
                    sent += 1
                    body = {"username": f"drain{n}x{sent}", "email": f"d{n}x{sent}@example.com"}
                    try:
                        async with session.post("/players/", json=body) as created:
                            player = await created.json()
                        async with session.get(f"/players/{player['id']}") as read:
                            outcomes[f"{created.status} {read.status}"] += 1
                            told_to_close += read.headers.get("Connection") == "close"
                    except (aiohttp.ClientError, KeyError) as error:
                        outcomes[type(error).__name__] += 1

        async def load_balancer() -> float:
            """Seconds from SIGTERM until /health/ready answered 503."""
            async with aiohttp.ClientSession(base) as session:
                while True:
                    async with session.get("/health/ready") as response:
                        if response.status == 503:
                            taken_out.set()
                            return time.monotonic() - signalled
                    await asyncio.sleep(0.05)

        async def slow_request() -> tuple[int, str]:
            """Sent during the delay, answered after the port has closed."""
            await asyncio.sleep(SHUTDOWN_DELAY / 2)
            async with aiohttp.ClientSession(base) as session:
                async with players_locked(database_url):
                    request = asyncio.ensure_future(session.get("/players/1"))
                    await asyncio.sleep(SHUTDOWN_DELAY)
                response = await request
                return response.status, await response.text()

        clients = [asyncio.ensure_future(client(n)) for n in range(20)]
        await asyncio.sleep(1.0)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        noticed, slow_status = await asyncio.gather(load_balancer(), slow_request())
        await asyncio.gather(*clients)
        exit_code = await asyncio.to_thread(process.wait, 15)
        stopped = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    stderr = log_path.read_text()
    assert exit_code == 0, stderr
    superuser = pg.run(database_url, "is_superuser") == [(True,)]
    assert ("a superuser" in stderr) == superuser, stderr
    assert noticed < 0.5
    assert set(outcomes) == {"201 200"}, outcomes
    assert outcomes["201 200"] > 20
    assert told_to_close > 0, "no client was asked to close its connection"
    assert slow_status[0] in {200, 404}, (slow_status, stderr)
    assert SHUTDOWN_DELAY <= stopped < SHUTDOWN_DELAY * 2 + 5


@contextmanager
def two_workers(
    database_url: str, port: int, shutdown_delay: float
) -> Iterator[subprocess.Popen[bytes]]:
    """`socialproof serve --workers 2` on `port`, killed at the end if it is still running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "socialproof", "serve", "--port", str(port), "--workers", "2"],
        env=service_env(
            DATABASE_URL=database_url, DB_POOL_MAX_SIZE="4", SHUTDOWN_DELAY=str(shutdown_delay)
        ),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def workers_of(process: subprocess.Popen[bytes]) -> list[int]:
    """The pids of `process`'s children, its workers."""
    return [
        int(pid)
        for pid in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    ]


def test_with_workers_sigterm_sent_to_all_while_they_start_still_drains_and_exits_0(
    database_url: str,
) -> None:
    """SIGTERM to the parent and to every worker as soon as the workers exist, before any of
    them serves: each waits until its handlers are in place, drains, and the parent exits 0."""
    with two_workers(database_url, free_port(), shutdown_delay=0.2) as process:
        children: list[int] = []
        deadline = time.monotonic() + 10
        while len(children) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            children = workers_of(process)
        for pid in [process.pid, *children]:
            os.kill(pid, signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_with_workers_sigterm_sent_to_all_drains_once_and_the_parent_exits_0(
    database_url: str,
) -> None:
    """As systemd stops a service: SIGTERM to the parent and to every worker at once. Each
    worker, signalled twice (directly and by the parent), still serves out SHUTDOWN_DELAY;
    the parent exits 0, and no connection of the service stays open."""
    port = free_port()
    delay = 1.0
    with two_workers(database_url, port, shutdown_delay=delay) as process:
        asyncio.run(wait_until_up(port, process))
        children = workers_of(process)
        assert len(children) == 2
        signalled = time.monotonic()
        for pid in [process.pid, *children]:
            os.kill(pid, signal.SIGTERM)
        time.sleep(delay / 2)
        with urlopen(f"http://127.0.0.1:{port}/players/") as response:  # still served
            assert response.status == 200
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - signalled >= delay
        deadline = time.monotonic() + 5
        while pg.run(database_url, "count_service_connections")[0][0] > 0:
            assert time.monotonic() < deadline, "a worker's connections stayed open"
            time.sleep(0.1)
