"""The read replica, on a real streaming standby of the test server (tests/standby.py), its
commits applied APPLY_DELAY seconds late: public reads come from it (stale within the delay),
a writer reads their own writes at once from any process, and reads go on when the replica
lags too far or stops. Tests that need no standby (none configured, none answering, a
primary named as the replica) run on every server."""

import asyncio
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from socialproof.app import create_app
from socialproof.database import CLIENT_MARGIN
from socialproof.keys import read_router_key
from socialproof.pgserver import free_port
from socialproof.replicas import (
    LAST_WRITE_COOKIE,
    RECENT_WRITE,
    REPLICA_FAILED,
    REPLICA_LAGGING,
    REPLICA_UNAVAILABLE,
    ReadRouter,
    server_address,
)
from socialproof.settings import Settings
from tests import pg
from tests.api import Client, create_player, create_scenario, get_json
from tests.auth_api import TEST_JWT_SECRET, bearer, login, sign_up
from tests.proxy import DatabaseProxy
from tests.standby import APPLY_DELAY, Standby, StandbyUnavailable

MakeServer = Callable[..., Awaitable[TestServer]]
MakeClient = Callable[..., Awaitable[Client]]

# A replica this far behind still serves, in the tests that need it in use: well past
# APPLY_DELAY (and autovacuum's commits, delayed as much).
PATIENT = 10.0


@pytest.fixture(scope="module")
def standby(server_url: str, database_url: str) -> Iterator[Standby]:
    """A standby of the test server, built after this run's database was (so it holds it),
    emptied first: the tests find their players on the first pages of lists."""
    pg.run(database_url, "truncate_all")
    try:
        built = Standby.build(server_url)
    except StandbyUnavailable as reason:
        pytest.skip(f"no streaming standby of the test server: {reason}")
    try:
        yield built
    finally:
        built.remove()


def replica_settings(database_url: str, replica_url: str | None, **changes: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": database_url,
        "database_replica_url": replica_url,
        "replica_max_lag": PATIENT,
        "pool_min_size": 1,
        "pool_max_size": 10,
        "db_timeout": 3.0,
        "auth": "off",
        "rate_limits": False,
    }
    return Settings(**(fields | changes))


def standby_url(standby: Standby, database_url: str) -> str:
    return standby.url(urlsplit(database_url).path.lstrip("/"))


def router(app: web.Application) -> ReadRouter:
    found = app[read_router_key]
    assert found is not None
    return found


def in_use(app: web.Application) -> bool:
    return time.monotonic() < router(app).usable_until


async def until(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds that took. Fails past `within` seconds."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > within:
            pytest.fail(f"{what}: not within {within:g} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def replica_in_use(app: web.Application) -> None:
    async def check() -> bool:
        return in_use(app)

    await until(check, APPLY_DELAY + 5, "the replica in use")


def primary_reads(reason: str) -> float:
    return REGISTRY.get_sample_value("db_client_primary_reads_total", {"reason": reason}) or 0.0


async def status(client: Client, path: str, **headers: str) -> int:
    response = await client.get(path, headers=headers)
    await response.read()
    return response.status


def username() -> str:
    return f"replica_{secrets.token_hex(4)}"


@pytest.fixture
async def served(
    aiohttp_server: MakeServer, aiohttp_client: MakeClient
) -> AsyncIterator[Callable[[Settings], Awaitable[tuple[web.Application, Client, Client]]]]:
    """Serves an app for `settings`; its two clients (a writer, a reader) keep cookies apart."""

    async def serve(settings: Settings) -> tuple[web.Application, Client, Client]:
        server = await aiohttp_server(create_app(settings))
        return server.app, await aiohttp_client(server), await aiohttp_client(server)

    yield serve


async def test_public_reads_are_the_replicas_and_a_writer_reads_their_own_at_once(
    standby: Standby, database_url: str, served: Any, aiohttp_client: MakeClient
) -> None:
    app, writer, reader = await served(
        replica_settings(database_url, standby_url(standby, database_url))
    )
    # Another process (or machine) of the same service: it shares nothing with the first.
    other_app, other_process, _ = await served(
        replica_settings(database_url, standby_url(standby, database_url))
    )
    await replica_in_use(app)
    await replica_in_use(other_app)

    response = await writer.post(
        "/players/", json={"username": (name := username()), "email": f"{name}@example.com"}
    )
    assert response.status == 201
    player_id = (await response.json())["id"]
    stamp = response.cookies[LAST_WRITE_COOKIE]
    assert stamp["max-age"] == str(math.ceil(PATIENT + 1))
    assert stamp["path"] == "/" and stamp["httponly"] and stamp["samesite"] == "Lax"
    assert abs(int(stamp.value) - time.time() * 1000) < 5000
    path = f"/players/{player_id}"
    # A refused write wrote nothing: no stamp (else the reader's reads below would be fresh).
    refused = await reader.post("/players/", json={"username": name, "email": "x@example.com"})
    assert refused.status == 400 and LAST_WRITE_COOKIE not in refused.cookies

    recent_writes = primary_reads(RECENT_WRITE)
    # The writer sees the new player at once, from this process and from another one.
    assert await status(writer, path) == 200
    assert await status(other_process, path, Cookie=f"{LAST_WRITE_COOKIE}={stamp.value}") == 200
    assert primary_reads(RECENT_WRITE) == recent_writes + 2
    # Everyone else reads the replica, which applies the sign-up APPLY_DELAY late.
    assert await status(reader, path) == 404
    assert await status(other_process, path) == 404
    # So does a stamp older than REPLICA_MAX_LAG + 1 s, or one that is not a time.
    stale = int(time.time() * 1000 - (PATIENT + 2) * 1000)
    assert await status(reader, path, Cookie=f"{LAST_WRITE_COOKIE}={stale}") == 404
    assert await status(reader, path, Cookie=f"{LAST_WRITE_COOKIE}=yesterday") == 404

    async def visible() -> bool:
        return await status(reader, path) == 200

    waited = await until(visible, APPLY_DELAY + 3, "the sign-up on the replica")
    assert waited > APPLY_DELAY / 2  # it was the replica's delay that hid it

    # A result moves the rating on the primary; every public read of the reader still shows
    # the rating before it, the writer's the one after.
    await create_scenario(writer, player_id, difficulty_level=10, is_successful=True)
    reads = {
        "player": f"/players/{player_id}",
        "rank": f"/players/{player_id}/rank",
        "stats": f"/players/{player_id}/stats",
        "history": f"/players/{player_id}/rating-history",
        "players": "/players/?limit=1000",
        "leaderboard": "/leaderboard?limit=1000",
    }

    async def standing(client: Client) -> dict[str, Any]:
        got = {what: await get_json(client, path) for what, path in reads.items()}
        [listed] = [entry for entry in got["players"] if entry["id"] == player_id]
        [ranked] = [entry for entry in got["leaderboard"] if entry["player_id"] == player_id]
        return {
            "rating": got["player"]["player_skill_rating"],
            "rank_rating": got["rank"]["player_skill_rating"],
            "completed": got["stats"]["scenarios_completed"],
            "history": len(got["history"]),
            "listed_rating": listed["player_skill_rating"],
            "leaderboard_rating": ranked["player_skill_rating"],
        }

    before = dict.fromkeys(("rating", "rank_rating", "listed_rating", "leaderboard_rating"), 500)
    after = dict.fromkeys(before, pytest.approx(530.30, abs=0.01))
    assert await standing(reader) == {**before, "completed": 0, "history": 0}
    assert await standing(writer) == {**after, "completed": 1, "history": 1}

    async def rating_moved() -> bool:
        return (await standing(reader))["rating"] != 500

    await until(rating_moved, APPLY_DELAY + 3, "the result on the replica")
    assert await standing(reader) == await standing(writer)


async def test_with_accounts_a_player_reads_their_own_sign_up_at_once(
    standby: Standby, database_url: str, served: Any
) -> None:
    settings = replica_settings(
        database_url,
        standby_url(standby, database_url),
        auth="required",
        jwt_secret=TEST_JWT_SECRET,
    )
    app, player, anonymous = await served(settings)
    await replica_in_use(app)
    signed_up = await sign_up(player, name := username())
    tokens = await login(player, name)
    path = f"/players/{signed_up['id']}"
    response = await player.get(path, headers=bearer(tokens["access_token"]))
    assert response.status == 200
    assert (await response.json())["email"] == f"{name}@example.com"
    assert await status(anonymous, path) == 404  # the replica has not applied it yet


async def test_a_replica_too_far_behind_is_skipped_and_counted(
    standby: Standby,
    database_url: str,
    served: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="socialproof.replicas")
    max_lag = 0.5  # shorter than APPLY_DELAY: any write puts the replica too far behind
    app, writer, reader = await served(
        replica_settings(database_url, standby_url(standby, database_url), replica_max_lag=max_lag)
    )
    await replica_in_use(app)
    player = await create_player(writer, username())
    await asyncio.sleep(max_lag + 2 * router(app).interval)
    assert not in_use(app)

    lagging = primary_reads(REPLICA_LAGGING)
    # Not the writer, yet the new player at once: the primary answers.
    assert await status(reader, f"/players/{player['id']}") == 200
    assert primary_reads(REPLICA_LAGGING) == lagging + 1
    lag = REGISTRY.get_sample_value(
        "db_client_replica_lag_seconds", {"server_address": router(app).address}
    )
    assert lag is not None and lag >= max_lag
    assert any("behind the primary" in record.getMessage() for record in caplog.records)

    # Once it has applied the write, it serves again.
    await replica_in_use(app)
    assert await status(reader, f"/players/{player['id']}") == 200
    assert primary_reads(REPLICA_LAGGING) == lagging + 1


async def test_reads_go_on_when_the_replica_stops(
    standby: Standby,
    database_url: str,
    served: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="socialproof.replicas")
    app, writer, reader = await served(
        replica_settings(database_url, standby_url(standby, database_url))
    )
    await replica_in_use(app)
    player = await create_player(writer, username())
    path = f"/players/{player['id']}"
    assert await status(reader, path) == 404  # the replica serves it, and is behind
    fell_back = primary_reads(REPLICA_FAILED) + primary_reads(REPLICA_UNAVAILABLE)
    await asyncio.to_thread(standby.stop)
    try:
        # Within the replica's delay, yet fresh: every read is the primary's now.
        for _ in range(5):
            assert await status(reader, path) == 200
            assert await status(reader, "/leaderboard") == 200
        assert primary_reads(REPLICA_FAILED) + primary_reads(REPLICA_UNAVAILABLE) >= fell_back + 10
        assert not in_use(app)
        assert any(
            "skipped" in record.getMessage() and record.levelno == logging.WARNING
            for record in caplog.records
        )
        await asyncio.sleep(2 * router(app).interval)  # a check finds it down, too
        assert not in_use(app)
    finally:
        await asyncio.to_thread(standby.start)
    # Back up: the check puts it back in use.
    await replica_in_use(app)


async def test_without_a_replica_nothing_is_stamped_or_counted(
    client: Client, database_url: str
) -> None:
    assert client.app is not None and client.app[read_router_key] is None
    counted = primary_reads(RECENT_WRITE)
    player = await create_player(client, username())
    response = await client.get(f"/players/{player['id']}")
    assert response.status == 200
    response = await client.patch(f"/players/{player['id']}", json={"username": username()})
    assert response.status == 200 and LAST_WRITE_COOKIE not in response.cookies
    assert primary_reads(RECENT_WRITE) == counted


async def test_a_replica_that_does_not_answer_leaves_every_read_to_the_primary(
    database_url: str, served: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="socialproof.replicas")
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    started = time.monotonic()
    _, writer, reader = await served(replica_settings(database_url, nowhere))
    assert time.monotonic() - started < 5  # start-up does not wait for it
    player = await create_player(writer, username())
    unavailable = primary_reads(REPLICA_UNAVAILABLE)
    assert await status(reader, f"/players/{player['id']}") == 200
    assert primary_reads(REPLICA_UNAVAILABLE) == unavailable + 1
    assert any(
        f"read replica {server_address(nowhere)} skipped: it did not answer" in record.getMessage()
        for record in caplog.records
    )


async def test_a_server_that_is_no_standby_is_not_used_as_one(
    database_url: str, served: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The primary itself (or a promoted replica) named as the replica: its data does not
    follow the primary's, so it is skipped."""
    caplog.set_level(logging.INFO, logger="socialproof.replicas")
    app, _, reader = await served(replica_settings(database_url, database_url))
    assert not in_use(app)
    unavailable = primary_reads(REPLICA_UNAVAILABLE)
    assert await status(reader, "/leaderboard") == 200
    assert primary_reads(REPLICA_UNAVAILABLE) == unavailable + 1
    assert any("it is not a standby" in record.getMessage() for record in caplog.records)


async def test_reads_go_to_the_primary_when_the_replica_stops_answering(
    standby: Standby, database_url: str, served: Any
) -> None:
    """A replica whose server hangs (the connection open, no answer, no statement_timeout
    error): a public read gives up on it after DB_TIMEOUT + 1 s, waits as long again for the
    cancelled statement (asyncpg), and the primary answers."""
    proxy = DatabaseProxy(standby_url(standby, database_url))
    await proxy.start()
    try:
        settings = replica_settings(database_url, proxy.url, db_timeout=1.0)
        app, writer, reader = await served(settings)
        await replica_in_use(app)
        player = await create_player(writer, username())
        # The replica serves it (and is behind): the read holds a connection to it open.
        assert await status(reader, f"/players/{player['id']}") == 404
        proxy.flowing.clear()
        started = time.monotonic()
        assert await get_json(reader, f"/players/{player['id']}") == player
        assert time.monotonic() - started < 2 * (settings.db_timeout + CLIENT_MARGIN) + 0.5
        assert not in_use(app)
    finally:
        proxy.flowing.set()
        await proxy.stop()
