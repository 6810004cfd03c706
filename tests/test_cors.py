"""CORS for the listed origins only, and no body read as JSON unless it is labelled JSON."""

from collections.abc import Awaitable, Callable

import attrs
import pytest

from socialproof.app import create_app
from socialproof.settings import Settings
from tests.api import Client

FRONT_END = "https://play.example.com"
ELSEWHERE = "https://evil.example.net"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
async def cors_client(
    aiohttp_client: Callable[..., Awaitable[Client]], settings: Settings
) -> Client:
    settings = attrs.evolve(settings, cors_allow_origins=(FRONT_END + "/", "http://localhost:3000"))
    return await aiohttp_client(create_app(settings))


async def test_preflight_from_a_listed_origin_is_answered(cors_client: Client) -> None:
    response = await cors_client.options("/players/7", headers={"Origin": FRONT_END, **PREFLIGHT})
    assert response.status == 204
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == FRONT_END
    methods = {m.strip() for m in headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "POST", "PATCH", "DELETE"}
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "content-type", "idempotency-key", "x-request-id"}
    assert "Access-Control-Allow-Credentials" not in headers
    assert headers["Vary"] == "Origin"


async def test_a_listed_origin_reads_answers_and_their_headers(cors_client: Client) -> None:
    response = await cors_client.post(
        "/players/",
        json={"username": "ada", "email": "ada@example.com"},
        headers={"Origin": FRONT_END},
    )
    assert response.status == 201
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "X-Request-ID", "Retry-After", "RateLimit", "Link"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers
    # Errors too: a front-end must be able to read why a call failed.
    missing = await cors_client.get("/players/999", headers={"Origin": FRONT_END})
    assert missing.status == 404
    assert missing.headers["Access-Control-Allow-Origin"] == FRONT_END


async def test_other_origins_and_unknown_paths_get_no_cors_headers(cors_client: Client) -> None:
    preflight = await cors_client.options("/players/", headers={"Origin": ELSEWHERE, **PREFLIGHT})
    assert preflight.status == 405
    assert "Access-Control-Allow-Origin" not in preflight.headers
    answer = await cors_client.get("/players/", headers={"Origin": ELSEWHERE})
    assert answer.status == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    unknown = await cors_client.options("/nowhere", headers={"Origin": FRONT_END, **PREFLIGHT})
    assert unknown.status == 404


async def test_no_origin_is_allowed_by_default(client: Client) -> None:
    preflight = await client.options("/players/", headers={"Origin": FRONT_END, **PREFLIGHT})
    assert preflight.status == 405
    assert "Access-Control-Allow-Origin" not in preflight.headers


BODY = b'{"username": "ada", "email": "ada@example.com"}'


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "text/json"],
)
async def test_a_body_not_labelled_json_is_415_and_creates_nothing(
    client: Client, content_type: str
) -> None:
    response = await client.post("/players/", data=BODY, headers={"Content-Type": content_type})
    assert response.status == 415
    assert await response.json() == {"detail": "Content-Type must be application/json"}
    assert await (await client.get("/players/")).json() == []


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_bodies_and_unlabelled_ones_are_read(
    client: Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    # aiohttp's client labels raw bytes itself; skip_auto_headers sends none at all.
    response = await client.post(
        "/players/", data=BODY, headers=headers, skip_auto_headers=["Content-Type"]
    )
    assert response.status == 201, await response.text()
