"""Rate limits, against each store: PostgreSQL (auth) with memory (reads and writes), and Redis.

The test client connects from 127.0.0.1, the default trusted proxy, so an X-Forwarded-For
header names the client as a proxy in front of the service would.
"""

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import attrs
import pytest
import redis

from socialproof.app import create_app
from socialproof.limits import limiter
from socialproof.limits.proxies import TrustedProxies
from socialproof.limits.rates import Rate
from socialproof.limits.stores import MemoryStore
from socialproof.settings import Settings
from tests.api import Client
from tests.auth_api import PASSWORD, TEST_JWT_SECRET, bearer, login
from tests.auth_api import sign_up as auth_sign_up

REDIS_URL = "redis://127.0.0.1:6379/0"
OFF = None


def redis_answers() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1) as r:
            return bool(r.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    """This run's own key prefix in Redis; its keys are deleted at the end."""
    prefix = f"socialproof-test-{secrets.token_hex(4)}:"
    yield prefix
    if redis_answers():
        with redis.Redis.from_url(REDIS_URL) as r:
            for key in r.scan_iter(match=f"{prefix}*"):
                r.delete(key)


@pytest.fixture(params=["postgres", "redis"])
def limited(request: pytest.FixtureRequest, settings: Settings, redis_prefix: str) -> Settings:
    """Settings with rate limits on, in the default stores or in Redis."""
    limited = attrs.evolve(settings, rate_limits=True)
    if request.param == "redis":
        if not redis_answers():
            pytest.skip(f"no Redis answers at {REDIS_URL}")
        # A prefix of its own per test: counts never leak from one test to the next.
        prefix = f"{redis_prefix}{secrets.token_hex(4)}:"
        limited = attrs.evolve(limited, redis_url=REDIS_URL, redis_key_prefix=prefix)
    return limited


Factory = Callable[..., Awaitable[Client]]


def sign_up(n: int) -> dict[str, str]:
    return {"username": f"player{n}", "email": f"player{n}@example.com"}


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def limit_fields(response: Any) -> tuple[str, str]:
    return response.headers["RateLimit-Policy"], response.headers["RateLimit"]


async def test_a_burst_of_sign_ups_meets_429_and_another_address_still_passes(
    aiohttp_client: Factory, limited: Settings
) -> None:
    settings = attrs.evolve(limited, rate_limit_auth=Rate(3, 60))
    client = await aiohttp_client(create_app(settings))
    seen = []
    for n in range(3):
        response = await client.post(
            "/players/", json=sign_up(n), headers=from_address("198.51.100.7")
        )
        assert response.status == 201, await response.text()
        seen.append(limit_fields(response))
    assert [policy for policy, _ in seen] == ['"auth";q=3;w=60'] * 3
    assert [re.sub(r";t=\d+", "", limit) for _, limit in seen] == [
        '"auth";r=2',
        '"auth";r=1',
        '"auth";r=0',
    ]

    refused = await client.post("/players/", json=sign_up(3), headers=from_address("198.51.100.7"))
    assert refused.status == 429
    assert await refused.json() == {"detail": "Too Many Requests"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 20  # one interval of 20 s frees a slot
    assert refused.headers["RateLimit"].startswith('"auth";r=0;t=')

    other = await client.post("/players/", json=sign_up(4), headers=from_address("198.51.100.8"))
    assert other.status == 201
    players = await (await client.get("/players/")).json()
    assert sorted(p["username"] for p in players) == ["player0", "player1", "player2", "player4"]


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    aiohttp_client: Factory, limited: Settings
) -> None:
    settings = attrs.evolve(
        limited,
        rate_limit_auth=Rate(3, 60),
        forwarded_allow_ips=TrustedProxies.parse("192.0.2.1"),  # not the test client
    )
    client = await aiohttp_client(create_app(settings))
    statuses = [
        (
            await client.post("/players/", json=sign_up(n), headers=from_address(f"203.0.113.{n}"))
        ).status
        for n in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]


async def test_password_logins_are_limited_per_account_across_addresses(
    aiohttp_client: Factory, limited: Settings
) -> None:
    settings = attrs.evolve(
        limited, auth="required", jwt_secret=TEST_JWT_SECRET, rate_limit_auth=Rate(3, 60)
    )
    client = await aiohttp_client(create_app(settings))
    for n, name in enumerate(["ada", "grace"]):
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        signed_up = await client.post("/players/", json=body, headers=from_address(f"192.0.2.{n}"))
        assert signed_up.status == 201

    def login(username: str, address: str, password: str = PASSWORD) -> Any:
        form = {"grant_type": "password", "username": username, "password": password}
        return client.post("/auth/token", data=form, headers=from_address(address))

    statuses = []
    for n, name in enumerate(["ada", "Ada", "ADA", "ada"]):
        response = await login(name, f"203.0.113.{n}", password="a wrong guess")
        statuses.append(response.status)
        if response.status != 429:
            assert response.headers["RateLimit-Policy"] == (
                '"auth";q=3;w=60, "auth-account";q=3;w=60'
            )
    assert statuses == [400, 400, 400, 429]  # wrong passwords count too
    refused = await login("ada", "203.0.113.9")
    assert refused.status == 429
    assert refused.headers["RateLimit"].startswith('"auth-account";r=0;t=')

    assert (await login("grace", "203.0.113.9")).status == 200


async def test_two_processes_share_one_auth_limit(
    aiohttp_client: Factory, limited: Settings
) -> None:
    """Two apps, each with its own pool and memory, as two worker processes have."""
    settings = attrs.evolve(limited, rate_limit_auth=Rate(3, 60), workers=2)
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    statuses = []
    for n in range(5):
        client = first if n % 2 == 0 else second
        response = await client.post("/players/", json=sign_up(n), headers=from_address("::1"))
        statuses.append(response.status)
    assert statuses == [201, 201, 201, 429, 429]


async def test_reads_count_down_to_429_and_come_back(
    aiohttp_client: Factory, limited: Settings
) -> None:
    settings = attrs.evolve(limited, rate_limit_read=Rate(2, 1))
    client = await aiohttp_client(create_app(settings))
    first, second, third = [await client.get("/players/") for _ in range(3)]
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert limit_fields(first) == ('"read";q=2;w=1', '"read";r=1;t=1')
    assert limit_fields(second) == ('"read";q=2;w=1', '"read";r=0;t=1')
    assert third.headers["Retry-After"] == "1"
    await asyncio.sleep(0.55)  # one interval (0.5 s): one request back
    again = await client.get("/players/")
    assert again.status == 200
    assert again.headers["RateLimit"] == '"read";r=0;t=1'
    # Not limited at all: no fields.
    assert "RateLimit" not in (await client.get("/health")).headers


async def test_writes_have_their_own_policy(aiohttp_client: Factory, limited: Settings) -> None:
    settings = attrs.evolve(limited, rate_limit_write=Rate(1, 60), rate_limit_auth=OFF)
    client = await aiohttp_client(create_app(settings))
    player = await (await client.post("/players/", json=sign_up(1))).json()
    assert "RateLimit" not in (await client.post("/players/", json=sign_up(2))).headers
    body = {"username": "renamed"}
    first = await client.patch(f"/players/{player['id']}", json=body)
    assert first.status == 200
    assert first.headers["RateLimit-Policy"] == '"write";q=1;w=60'
    assert (await client.patch(f"/players/{player['id']}", json=body)).status == 429
    assert (await client.get(f"/players/{player['id']}")).status == 200  # reads: another count


async def test_a_callers_limit_follows_its_token_subject(
    aiohttp_client: Factory, limited: Settings
) -> None:
    """A caller with a valid token counts as its player, whatever its address."""
    settings = attrs.evolve(
        limited, auth="required", jwt_secret=TEST_JWT_SECRET, rate_limit_read=Rate(1, 60)
    )
    client = await aiohttp_client(create_app(settings))
    await auth_sign_up(client, "ada")
    await auth_sign_up(client, "grace")
    as_ada = bearer((await login(client, "ada"))["access_token"])
    as_grace = bearer((await login(client, "grace"))["access_token"])
    assert (await client.get("/players/", headers=as_ada)).status == 200
    refused = await client.get("/players/", headers={**as_ada, **from_address("192.0.2.7")})
    assert refused.status == 429
    assert (await client.get("/players/", headers=as_grace)).status == 200
    assert (await client.get("/players/")).status == 200  # anonymous: the address's count
    # A token that fails verification counts by address; the handler answers 401.
    forged = {"Authorization": "Bearer not-a-token", **from_address("192.0.2.8")}
    assert (await client.get("/players/1/rating-history", headers=forged)).status in {200, 401}


async def test_memory_store_divides_the_rate_among_workers(
    aiohttp_client: Factory, settings: Settings
) -> None:
    settings = attrs.evolve(settings, rate_limits=True, rate_limit_read=Rate(4, 60), workers=2)
    client = await aiohttp_client(create_app(settings))
    statuses = [(await client.get("/players/")).status for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_rate_limits_off_means_no_limit_and_no_fields(
    aiohttp_client: Factory, settings: Settings
) -> None:
    assert settings.rate_limits is False
    client = await aiohttp_client(create_app(attrs.evolve(settings, rate_limit_read=Rate(1, 60))))
    for _ in range(3):
        response = await client.get("/players/")
        assert response.status == 200
        assert "RateLimit" not in response.headers


@pytest.fixture
def counted() -> Iterator[dict[str, list[str]]]:
    """What the limiter reports to its hooks (the metrics module's counters plug in here)."""
    seen: dict[str, list[str]] = {"rejected": [], "unavailable": []}
    limiter.on_rejected.append(seen["rejected"].append)
    limiter.on_store_unavailable.append(seen["unavailable"].append)
    yield seen
    limiter.on_rejected.remove(seen["rejected"].append)
    limiter.on_store_unavailable.remove(seen["unavailable"].append)


async def test_rejections_are_reported_per_policy(
    aiohttp_client: Factory, limited: Settings, counted: dict[str, list[str]]
) -> None:
    settings = attrs.evolve(limited, rate_limit_read=Rate(1, 60))
    client = await aiohttp_client(create_app(settings))
    for _ in range(3):
        await client.get("/players/")
    assert counted["rejected"] == ["read", "read"]


@pytest.fixture
async def closed_port() -> AsyncIterator[int]:
    """A port on which nothing listens."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    yield port


async def test_redis_down_fails_open_for_reads_and_closed_for_auth(
    aiohttp_client: Factory,
    settings: Settings,
    closed_port: int,
    counted: dict[str, list[str]],
) -> None:
    settings = attrs.evolve(
        settings,
        rate_limits=True,
        redis_url=f"redis://127.0.0.1:{closed_port}/0",
        rate_limit_read=Rate(1, 60),
        redis_timeout=0.2,
    )
    client = await aiohttp_client(create_app(settings))
    started = time.monotonic()
    reads = [await client.get("/players/") for _ in range(3)]
    assert [r.status for r in reads] == [200, 200, 200]
    assert all("RateLimit" not in r.headers for r in reads)
    sign_up_response = await client.post("/players/", json=sign_up(1))
    assert sign_up_response.status == 503
    assert await sign_up_response.json() == {"detail": "Rate limiter unavailable"}
    assert sign_up_response.headers["Retry-After"] == "1"
    assert time.monotonic() - started < 2  # each wait bounded by REDIS_TIMEOUT, then skipped
    assert counted["unavailable"] == ["read", "read", "read", "auth"]
    assert (await client.get("/players/")).status == 200


async def test_the_memory_store_holds_a_bounded_number_of_callers() -> None:
    store = MemoryStore(max_keys=100)
    rate = Rate(1, 60)
    for n in range(100):
        assert (await store.take(f"read:address:10.0.0.{n}", rate)).admitted
    assert not (await store.take("read:address:10.0.0.7", rate)).admitted
    # One caller more than it may hold: none has expired, so all are forgotten.
    assert (await store.take("read:address:10.0.1.0", rate)).admitted
    assert (await store.take("read:address:10.0.0.7", rate)).admitted
    assert not (await store.take("read:address:10.0.0.7", rate)).admitted


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts connections and never answers: a Redis that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_hanging_redis_costs_one_timeout_then_nothing(
    aiohttp_client: Factory, settings: Settings, silent_port: int
) -> None:
    settings = attrs.evolve(
        settings,
        rate_limits=True,
        redis_url=f"redis://127.0.0.1:{silent_port}/0",
        redis_timeout=0.3,
    )
    client = await aiohttp_client(create_app(settings))
    started = time.monotonic()
    assert (await client.get("/players/")).status == 200
    first = time.monotonic() - started
    assert 0.25 <= first < 1.5  # waited for the timeout once
    started = time.monotonic()
    assert (await client.get("/players/")).status == 200
    assert (await client.post("/players/", json=sign_up(1))).status == 503
    assert time.monotonic() - started < 0.25  # then Redis is skipped for a second
