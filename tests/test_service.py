"""The service's own routes and the contract's general rules: JSON 404/405/500, health, outages."""

import time
from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from socialproof.app import create_app
from socialproof.deadlines import RequestDeadlines
from socialproof.keys import Lifecycle, deadlines_key, lifecycle_key, settings_key
from socialproof.serving import served
from socialproof.settings import Settings
from tests.api import Client, create_player, wait_until_served
from tests.proxy import DatabaseProxy


async def test_root_points_to_the_docs(client: Client) -> None:
    response = await client.get("/")
    assert response.status == 200
    body = await response.json()
    assert body["docs"] == "/docs"
    assert isinstance(body["message"], str)


async def test_health(client: Client) -> None:
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_unknown_route_is_json_404(client: Client) -> None:
    response = await client.get("/no/such/route")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert await response.json() == {"detail": "Not Found"}


async def test_wrong_method_is_json_405(client: Client) -> None:
    response = await client.put("/players/")
    assert response.status == 405
    assert await response.json() == {"detail": "Method Not Allowed"}
    assert "POST" in response.headers["Allow"]


async def test_a_server_fault_is_a_bare_500(
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("SELECT secret FROM somewhere")

    app = web.Application()
    app[settings_key] = Settings()
    app[lifecycle_key] = Lifecycle()
    app[deadlines_key] = RequestDeadlines(Settings().request_timeout)
    app.router.add_get("/broken", served(app, "/broken", broken))
    client = await aiohttp_client(app)
    response = await client.get("/broken")
    assert response.status == 500
    assert await response.json() == {"detail": "Internal Server Error"}


async def test_database_outage_is_503_then_recovers_without_restart(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings
) -> None:
    proxy = DatabaseProxy(settings.database_url or "")
    await proxy.start()
    client = await aiohttp_client(
        create_app(attrs.evolve(settings, database_url=proxy.url, db_timeout=2.0))
    )
    try:
        player = await create_player(client)

        await proxy.stop()
        for method, path, body in (
            ("GET", f"/players/{player['id']}", None),
            ("GET", "/players/", None),
            ("POST", "/players/", {"username": "user2", "email": "u2@example.com"}),
            ("GET", f"/players/{player['id']}/scenarios", None),
        ):
            started = time.monotonic()
            response = await client.request(method, path, json=body)
            assert response.status == 503, (path, await response.text())
            assert await response.json() == {"detail": "Database unavailable"}
            assert response.headers["Retry-After"] == "1"
            assert time.monotonic() - started < 5
        health = await client.get("/health")
        assert health.status == 503
        assert await health.json() == {"status": "unavailable", "database": "unreachable"}

        await proxy.start()
        await wait_until_served(client, player)
    finally:
        await proxy.stop()
