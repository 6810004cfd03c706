"""Every wait bounded and every failure answered by the one table: each fault made for real
against the test database (a held lock, a terminated backend, a cut connection, a full pool),
its answers counted and timed."""

import asyncio
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import attrs
import psycopg
import pytest
from aiohttp import web
from psycopg import sql

from socialproof import migrations
from socialproof.app import create_app
from socialproof.deadlines import GRACE_SECONDS, RequestDeadlines
from socialproof.errors import DatabaseUnreachable
from socialproof.keys import Lifecycle, deadlines_key, lifecycle_key, settings_key
from socialproof.serving import served
from socialproof.settings import Settings
from tests import pg
from tests.api import (
    Client,
    assert_rating_follows_history,
    create_player,
    create_scenario,
    get_json,
    wait_until_served,
)
from tests.pg import lock_waiters, players_locked
from tests.proxy import DatabaseProxy

UNAVAILABLE = {"detail": "Database unavailable"}
STATEMENT_TIMED_OUT = {"detail": "Database statement timed out"}
# Scheduling slack on a busy two-core machine, on top of a bound.
MARGIN = 0.5

AppClient = Callable[..., Awaitable[Client]]


async def timed(client: Client, method: str, path: str, **kwargs: Any) -> tuple[int, Any, float]:
    started = time.monotonic()
    response = await client.request(method, path, **kwargs)
    body = await response.json()
    return response.status, body, time.monotonic() - started


# The table, raised through the serving wrapper: what each failure answers.
def _raise(error: Exception) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        raise error

    return handler


TABLE = [
    (asyncpg.ConnectionFailureError("08006"), 503, "Database unavailable"),
    (asyncpg.ClientCannotConnectError("08001"), 503, "Database unavailable"),
    (asyncpg.TooManyConnectionsError("53300"), 503, "Database unavailable"),
    (asyncpg.AdminShutdownError("57P01"), 503, "Database unavailable"),
    (asyncpg.CrashShutdownError("57P02"), 503, "Database unavailable"),
    (asyncpg.CannotConnectNowError("57P03"), 503, "Database unavailable"),
    (asyncpg.QueryCanceledError("57014"), 503, "Database statement timed out"),
    (asyncpg.DeadlockDetectedError("40P01"), 503, "Database busy, try again"),
    (asyncpg.SerializationError("40001"), 503, "Database busy, try again"),
    (asyncpg.ConnectionDoesNotExistError("lost"), 503, "Database unavailable"),
    (DatabaseUnreachable("refused"), 503, "Database unavailable"),
    (asyncpg.InternalClientError("cannot switch to state 12"), 503, "Database unavailable"),
    (TimeoutError(), 503, "Database unavailable"),
    # Not "unavailable": a programming error, a server fault, or anything unlisted.
    (asyncpg.InterfaceError("misuse"), 500, "Internal Server Error"),
    (asyncpg.DataError("bad argument"), 500, "Internal Server Error"),
    (asyncpg.OutOfMemoryError("53200"), 500, "Internal Server Error"),
    (asyncpg.ConfigurationLimitExceededError("53400"), 500, "Internal Server Error"),
    (asyncpg.ObjectInUseError("55006"), 500, "Internal Server Error"),
    (asyncpg.UniqueViolationError("unnamed"), 500, "Internal Server Error"),
    (PermissionError(13, "Permission denied"), 500, "Internal Server Error"),
    # Files are read for /docs/static/ only: neither a fault nor an outage.
    (FileNotFoundError(2, "No such file"), 404, "Not Found"),
    (OSError(36, "File name too long"), 404, "Not Found"),
]


@pytest.mark.parametrize(
    ("error", "status", "detail"), TABLE, ids=[type(e).__name__ for e, _, _ in TABLE]
)
async def test_each_failure_answers_as_the_table_says(
    aiohttp_client: AppClient,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    status: int,
    detail: str,
) -> None:
    app = web.Application()
    app[settings_key] = Settings()
    app[lifecycle_key] = Lifecycle()
    app[deadlines_key] = RequestDeadlines(Settings().request_timeout)
    app.router.add_get("/fails", served(app, "/fails", _raise(error)))
    client = await aiohttp_client(app)
    with caplog.at_level(logging.WARNING, logger="socialproof.errors"):
        response = await client.get("/fails")
    assert response.status == status
    assert await response.json() == {"detail": detail}
    if status == 503:
        assert response.headers["Retry-After"] == "1"
        assert not any(record.exc_info for record in caplog.records)
    else:
        assert "Retry-After" not in response.headers
    if status == 500:
        assert any(record.exc_info for record in caplog.records), "a 500 logs its traceback"


async def test_a_client_hanging_up_mid_body_is_no_fault(
    caplog: pytest.LogCaptureFixture, settings: Settings
) -> None:
    """Served as `serve` does (the handler not cancelled when its client goes), a client that
    hangs up mid-body is logged at INFO: not a database outage, not a traceback."""
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.INFO):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /players/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"username": '
            )
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.close()
            deadline = time.monotonic() + 5
            while not any("client closed" in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
                await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_statement_past_db_timeout_is_a_real_57014_answered_503(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(settings, db_timeout=0.5)))
    player = await create_player(client)
    async with players_locked(settings.database_url or ""):
        status, body, elapsed = await timed(client, "GET", f"/players/{player['id']}")
    assert (status, body) == (503, STATEMENT_TIMED_OUT)
    assert 0.5 <= elapsed < 0.5 + MARGIN


async def test_a_lock_held_past_every_bound_answers_every_request_within_it(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    """96 requests at once (all within the test client's 100 connections) on every kind of
    endpoint while the players' table is locked, on a pool of 4: each is answered within its
    bound (503 or 2xx), none slower."""
    bounds = attrs.evolve(
        settings,
        pool_max_size=4,
        db_acquire_timeout=0.3,
        db_timeout=0.6,
        request_timeout=1.5,
        health_timeout=0.5,
    )
    client = await aiohttp_client(create_app(bounds))
    player = await create_player(client)
    scenario = await create_scenario(client, player["id"])
    calls = [
        ("GET", f"/players/{player['id']}", None),
        ("GET", f"/scenarios/{scenario['id']}", None),
        ("POST", "/players/", {"username": "late", "email": "late@example.com"}),
        ("POST", f"/scenarios/{scenario['id']}/result", {"is_successful": True}),
        ("GET", "/leaderboard", None),
        ("GET", "/health", None),
    ]
    async with players_locked(settings.database_url or ""):
        results = await asyncio.gather(
            *(timed(client, m, p, json=b) for n in range(96) for m, p, b in [calls[n % 6]])
        )
    statuses = Counter(status for status, _, _ in results)
    slowest = max(elapsed for _, _, elapsed in results)
    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses[503] > 0 and statuses[200] > 0, statuses
    assert slowest < bounds.request_timeout + MARGIN, (slowest, statuses)
    sent = [calls[n % 6][1] for n in range(96)]
    health = [
        elapsed for path, (_, _, elapsed) in zip(sent, results, strict=True) if path == "/health"
    ]
    assert max(health) < bounds.health_timeout + MARGIN


async def test_a_full_pool_answers_503_after_the_acquire_timeout(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    bounds = attrs.evolve(settings, pool_min_size=1, pool_max_size=1, db_acquire_timeout=0.3)
    client = await aiohttp_client(create_app(bounds))
    player = await create_player(client)
    async with players_locked(settings.database_url or ""):
        holder = asyncio.ensure_future(client.get(f"/players/{player['id']}"))
        await lock_waiters(settings.database_url or "")
        status, body, elapsed = await timed(client, "GET", f"/players/{player['id']}")
        assert (status, body) == (503, UNAVAILABLE)
        assert 0.3 <= elapsed < 0.3 + MARGIN
        # /health has a connection of its own.
        assert (await timed(client, "GET", "/health"))[0] == 200
    assert (await holder).status == 200


async def test_the_whole_request_is_bounded(aiohttp_client: AppClient, settings: Settings) -> None:
    bounds = attrs.evolve(settings, db_timeout=3.0, request_timeout=0.4)
    client = await aiohttp_client(create_app(bounds))
    player = await create_player(client)
    async with players_locked(settings.database_url or ""):
        status, body, elapsed = await timed(client, "GET", f"/players/{player['id']}")
    assert (status, body) == (503, {"detail": "Request timed out"})
    assert 0.4 <= elapsed < 0.4 + MARGIN


async def test_a_terminated_backend_57p01_is_503_and_the_pool_recovers(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings))
    player = await create_player(client)
    async with players_locked(settings.database_url or ""):
        waiting = asyncio.ensure_future(client.get(f"/players/{player['id']}"))
        await lock_waiters(settings.database_url or "")
        assert pg.run(settings.database_url or "", "terminate_lock_waiters") == [(1,)]
        response = await waiting
        assert (response.status, await response.json()) == (503, UNAVAILABLE)
    assert await get_json(client, f"/players/{player['id']}") == player


async def test_a_connection_lost_mid_statement_is_503(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    proxy = DatabaseProxy(settings.database_url or "")
    await proxy.start()
    client = await aiohttp_client(create_app(attrs.evolve(settings, database_url=proxy.url)))
    try:
        player = await create_player(client)
        async with players_locked(settings.database_url or ""):
            waiting = asyncio.ensure_future(client.get(f"/players/{player['id']}"))
            await lock_waiters(settings.database_url or "")
            await proxy.stop()
            response = await waiting
            assert (response.status, await response.json()) == (503, UNAVAILABLE)
            # And a refused connection, now that nothing listens.
            status, body, _ = await timed(client, "GET", f"/players/{player['id']}")
            assert (status, body) == (503, UNAVAILABLE)
    finally:
        await proxy.stop()


async def test_a_database_that_stops_answering_costs_a_request_its_request_timeout(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    """A server that hangs sends no statement_timeout error, and the statement the deadline
    cancels never ends: the request answers within REQUEST_TIMEOUT and its grace, and once the
    server answers again so does the service."""
    proxy = DatabaseProxy(settings.database_url or "")
    await proxy.start()
    bounds = attrs.evolve(settings, database_url=proxy.url, request_timeout=1.0, db_timeout=4.0)
    client = await aiohttp_client(create_app(bounds))
    try:
        player = await create_player(client)
        proxy.flowing.clear()
        status, body, seconds = await timed(client, "GET", f"/players/{player['id']}")
        assert (status, body) == (503, {"detail": "Request timed out"})
        assert 1.0 <= seconds < 1.0 + GRACE_SECONDS + 0.5, seconds
        proxy.flowing.set()
        await wait_until_served(client, player)
    finally:
        await proxy.stop()


async def test_too_many_connections_53300_is_503(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    url = settings.database_url or ""
    role = f"socialproof_limited_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL(pg.read("create_limited_role")).format(role=sql.Identifier(role)))
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        limited = urlunsplit(parts._replace(netloc=f"{role}@{host}"))
        app = create_app(attrs.evolve(settings, database_url=limited, pool_min_size=0))
        client = await aiohttp_client(app)
        status, body, _ = await timed(client, "GET", "/players/1")
        assert (status, body) == (503, UNAVAILABLE)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL(pg.read("drop_role")).format(role=sql.Identifier(role)))


async def test_create_then_record_by_300_clients_gives_no_500(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    """Each client creates a scenario for one of a few players, then records its result: the
    pattern that deadlocks inside PostgreSQL. Every request succeeds; the ratings are those
    of applying each player's results one after another. Requests queue for connections
    behind others that wait on a player's row lock: the wait for a connection is given room
    here (on a slow machine the last ones waited past the default 2 s and answered 503)."""
    client = await aiohttp_client(
        create_app(attrs.evolve(settings, pool_max_size=32, db_acquire_timeout=15.0))
    )
    players = [await create_player(client, f"player{n}") for n in range(4)]

    async def create_then_record(n: int) -> tuple[int, int]:
        body = {
            "player_id": players[n % 4]["id"],
            "scenario_type": "race",
            "content": "Create, then record.",
            "difficulty_level": n % 10 + 1,
        }
        created = await client.post("/scenarios/", json=body)
        scenario = await created.json()
        recorded = await client.post(
            f"/scenarios/{scenario['id']}/result", json={"is_successful": n % 3 != 0}
        )
        return created.status, recorded.status

    results = await asyncio.gather(*(create_then_record(n) for n in range(300)))
    assert Counter(results) == {(201, 200): 300}
    for player in players:
        await assert_rating_follows_history(client, player["id"])


async def test_ready_turns_503_while_draining(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    app = create_app(settings)
    client = await aiohttp_client(app)
    assert (await timed(client, "GET", "/health/ready"))[:2] == (200, {"status": "ok"})
    assert (await timed(client, "GET", "/health/live"))[:2] == (200, {"status": "ok"})
    app[lifecycle_key].draining = True
    response = await client.get("/health/ready")
    assert response.status == 503
    assert await response.json() == {"status": "unavailable", "reason": "draining"}
    assert response.headers["Connection"] == "close"
    assert (await client.get("/health/live")).status == 200
    assert (await client.get("/health")).status == 200


async def test_ready_is_503_with_a_migration_pending(
    aiohttp_client: AppClient, server_url: str, settings: Settings
) -> None:
    with pg.fresh_database(server_url) as url:
        migrations.apply(url)
        (rolled_back,) = migrations.rollback(url, 1)
        client = await aiohttp_client(create_app(attrs.evolve(settings, database_url=url)))
        status, body, _ = await timed(client, "GET", "/health/ready")
        assert (status, body) == (
            503,
            {"status": "unavailable", "reason": f"migrations pending: {rolled_back}"},
        )
        await client.close()


async def test_probes_answer_within_their_bound_with_the_database_gone(
    aiohttp_client: AppClient, settings: Settings
) -> None:
    proxy = DatabaseProxy(settings.database_url or "")
    await proxy.start()
    bounds = attrs.evolve(settings, database_url=proxy.url, health_timeout=0.5)
    client = await aiohttp_client(create_app(bounds))
    try:
        assert (await timed(client, "GET", "/health/ready"))[0] == 200
        await proxy.stop()
        for path in ("/health", "/health/ready"):
            status, _, elapsed = await timed(client, "GET", path)
            assert status == 503
            assert elapsed < 0.5 + MARGIN
        assert (await timed(client, "GET", "/health/live"))[0] == 200
    finally:
        await proxy.stop()


async def test_a_file_name_too_long_under_docs_is_not_found(client: Client) -> None:
    response = await client.get(f"/docs/static/{'a' * 300}.js")
    assert (response.status, await response.json()) == (404, {"detail": "Not Found"})
