"""/metrics read back: requests by route template, the pool, counters, access, and workers."""

import time
from collections.abc import Awaitable, Callable
from ipaddress import ip_network
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import asyncpg
import attrs
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from socialproof import metrics
from socialproof.app import create_app
from socialproof.keys import db_key
from socialproof.retry import retried
from socialproof.settings import Settings
from tests.api import Client
from tests.auth_api import bearer, client_token
from tests.pg import players_locked
from tests.test_cli import call, service_env, serving

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_counted(samples: Samples, route: str, status: str, method: str = "GET") -> float:
    return value(
        samples,
        "http_server_request_duration_seconds_count",
        http_request_method=method,
        http_route=route,
        http_response_status_code=status,
    )


async def scrape(client: Client) -> Samples:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    return parse(await response.text())


async def test_requests_are_counted_by_route_template_never_by_raw_path(client: Client) -> None:
    before = await scrape(client)
    for path in ("/players/1", "/players/2", "/players/3"):
        assert (await client.get(path)).status == 404
    assert (await client.get("/no/such/path/42")).status == 404
    assert (await client.request("PROPFIND", "/players/")).status == 405
    after = await scrape(client)

    def grew(route: str, status: str, method: str = "GET") -> float:
        return requests_counted(after, route, status, method) - requests_counted(
            before, route, status, method
        )

    assert grew("/players/{player_id}", "404") == 3
    assert grew("unmatched", "404") == 1
    assert grew("unmatched", "405", method="_OTHER") == 1
    routes = {dict(labels).get("http_route") for _, labels in after}
    assert not any(route and route.startswith(("/players/1", "/no/")) for route in routes)
    # The scrape itself is in flight while it is written.
    assert value(after, "http_server_active_requests", http_request_method="GET") >= 1


async def test_the_pool_is_counted_when_scraped(client: Client) -> None:
    await client.get("/health")
    samples = await scrape(client)
    idle = value(samples, "db_client_connection_count", db_client_connection_state="idle")
    used = value(samples, "db_client_connection_count", db_client_connection_state="used")
    pool = client.app[db_key]
    assert idle + used == pool.get_size() >= 1


async def test_errors_retries_and_rate_limits_are_counted(client: Client) -> None:
    before = await scrape(client)
    metrics.database_error("08006")
    metrics.database_error("08006")
    metrics.retry("40P01")
    metrics.rate_limited("writes")
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("db_client_errors_total", error_type="08006") == 2
    assert grew("db_client_retries_total", error_type="40P01") == 1
    assert grew("http_server_rate_limited_requests_total", policy="writes") == 1


async def test_a_real_database_error_is_counted_by_its_sqlstate(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings
) -> None:
    client = await aiohttp_client(create_app(attrs.evolve(settings, db_timeout=0.5)))
    before = await scrape(client)
    async with players_locked(settings.database_url or ""):
        assert (await client.get("/players/1")).status == 503  # statement_timeout: 57014
    after = await scrape(client)
    grew = value(after, "db_client_errors_total", error_type="57014") - value(
        before, "db_client_errors_total", error_type="57014"
    )
    assert grew == 1


async def test_a_retried_write_is_counted() -> None:
    attempts = 0

    async def deadlocks_once() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return "written"

    def retries() -> float:
        labels = {"error_type": "40P01"}
        return REGISTRY.get_sample_value("db_client_retries_total", labels) or 0.0

    before = retries()
    assert await retried(deadlocks_once)() == "written"
    assert retries() - before == 1


@pytest.mark.parametrize(
    ("allowed", "status"),
    [(("10.0.0.0/8",), 403), (("10.0.0.0/8", "127.0.0.0/8"), 200), (("::1", "127.0.0.1"), 200)],
)
async def test_only_allowed_addresses_read_the_metrics(
    aiohttp_client: Callable[..., Awaitable[Client]],
    settings: Settings,
    allowed: tuple[str, ...],
    status: int,
) -> None:
    networks = tuple(ip_network(network) for network in allowed)
    client = await aiohttp_client(create_app(attrs.evolve(settings, metrics_allow_ips=networks)))
    response = await client.get("/metrics")
    assert response.status == status
    if status == 403:
        assert await response.json() == {"detail": "Not enough permissions"}


async def test_an_admin_token_reads_the_metrics_from_anywhere(
    aiohttp_client: Callable[..., Awaitable[Client]], auth_settings: Settings, empty_tables: str
) -> None:
    elsewhere = (ip_network("10.0.0.0/8"),)
    app = create_app(attrs.evolve(auth_settings, metrics_allow_ips=elsewhere))
    client = await aiohttp_client(app)
    admin = bearer(await client_token(client, empty_tables, "admin"))
    game_server = bearer(await client_token(client, empty_tables, "results:write"))
    assert (await client.get("/metrics", headers=admin)).status == 200
    assert (await client.get("/metrics", headers=game_server)).status == 403
    assert (await client.get("/metrics")).status == 403


def scrape_served(port: int) -> Samples:
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return parse(response.read().decode())


def test_one_scrape_sees_every_worker(database_url: str, tmp_path: Path) -> None:
    env = service_env(
        DATABASE_URL=database_url,
        WORKERS="2",
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="1",
        TMPDIR=str(tmp_path),  # where the serve command makes its metrics directory
    )
    requests = 40
    with serving(env, output=tmp_path / "service.log") as port:
        (shared,) = tmp_path.glob("socialproof-metrics-*")
        for n in range(requests):  # each on a new connection: the kernel spreads them
            with pytest.raises(HTTPError) as answer:
                call(port, f"/players/{n + 1}/rank")
            assert answer.value.code == 404
            answer.value.close()
        time.sleep(1.5)  # every worker counts its pool each second
        for _ in range(5):  # scrapes land on either worker; each must see both
            samples = scrape_served(port)
            assert requests_counted(samples, "/players/{player_id}/rank", "404") == requests
            connections = sum(
                value(samples, "db_client_connection_count", db_client_connection_state=state)
                for state in ("idle", "used")
            )
            assert connections == 2  # one per worker's pool
        assert len({path.name.rsplit("_", 1)[1] for path in shared.glob("histogram_*.db")}) == 2
    assert not shared.exists(), "the metrics directory outlived the service"
