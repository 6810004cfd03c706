"""Every answer JSON, every header deliberate: aiohttp's own answers included, over raw sockets."""

import asyncio
import base64
import hashlib
import re
from typing import Any

import orjson
import pytest

from tests.api import Client, create_player, create_scenario

SECRET = "hunter2-token-4f1c9b"


async def raw_exchange(client: Client, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as bytes to the test server; return status, headers and body."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        status_line, *header_lines = head.decode("latin-1").strip().split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return int(status_line.split()[1]), headers, body


MALFORMED = {
    "request line": b"GET /" + SECRET.encode() + b" HTTX/1.1\r\nHost: x\r\n\r\n",
    "header too large": b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: "
    + SECRET.encode()
    + b"y" * 20_000
    + b"\r\n\r\n",
    "URL too long": b"GET /" + SECRET.encode() + b"z" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "header value": b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
    + SECRET.encode()
    + b"\x01\r\n\r\n",
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
async def test_requests_aiohttp_cannot_parse_get_json_400_without_their_bytes(
    client: Client, request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    status, headers, body = await raw_exchange(client, request_bytes)
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert orjson.loads(body) == {"detail": "Bad Request"}
    assert "server" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    # One WARNING line, no traceback, none of the request's bytes.
    (record,) = [r for r in caplog.records if r.name.startswith(("aiohttp", "socialproof"))]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert SECRET not in record.getMessage()


async def test_an_oversize_body_gets_json_413(client: Client) -> None:
    request = (
        b"POST /players/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 2000000\r\n\r\n" + b"{" * 65536
    )
    status, headers, body = await raw_exchange(client, request)
    assert status == 413
    assert headers["content-type"].startswith("application/json")
    assert isinstance(orjson.loads(body)["detail"], str)
    assert "server" not in headers


async def test_no_server_header_and_nosniff_on_every_kind_of_answer(client: Client) -> None:
    answers = [
        await client.get("/"),
        await client.get("/no/such/route"),
        await client.put("/players/"),
        await client.get("/docs"),
        await client.get("/docs/static/swagger-ui.css"),
        await client.get("/openapi.json"),
        await client.post("/players/", json={"username": "x"}),
    ]
    for response in answers:
        assert "Server" not in response.headers, response.url
        assert response.headers["X-Content-Type-Options"] == "nosniff", response.url


async def test_docs_page_allows_only_its_own_assets_and_inline_script(client: Client) -> None:
    response = await client.get("/docs")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    page = await response.text()
    (inline,) = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def carries_an_email(body: Any) -> bool:
    if isinstance(body, dict):
        return "email" in body or any(carries_an_email(value) for value in body.values())
    if isinstance(body, list):
        return any(carries_an_email(item) for item in body)
    return False


async def test_answers_carrying_an_email_are_not_stored_and_the_others_may_be(
    client: Client,
) -> None:
    player = await create_player(client, "ada")
    scenario = await create_scenario(client, player["id"])
    pid = player["id"]
    requests = [
        ("POST", "/players/", {"username": "bob", "email": "bob@example.com"}),
        ("GET", "/players/", None),
        ("GET", f"/players/{pid}", None),
        ("PATCH", f"/players/{pid}", {"username": "ada2"}),
        ("GET", f"/players/{pid}/scenarios", None),
        ("GET", f"/scenarios/{scenario['id']}", None),
        ("POST", f"/scenarios/{scenario['id']}/result", {"is_successful": True}),
        ("GET", "/leaderboard", None),
        ("GET", f"/players/{pid}/rank", None),
        ("GET", f"/players/{pid}/stats", None),
        ("GET", f"/players/{pid}/rating-history", None),
    ]
    with_email = 0
    for method, path, body in requests:
        response = await client.request(method, path, json=body)
        assert response.status in (200, 201), (method, path, await response.text())
        if carries_an_email(await response.json()):
            with_email += 1
            assert response.headers.get("Cache-Control") == "no-store", (method, path)
        else:
            assert "Cache-Control" not in response.headers, (method, path)
    assert with_email == 4
