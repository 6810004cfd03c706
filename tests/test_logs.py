"""Logs read back from a real service: JSON lines, request and trace ids, no secrets."""

import re
import socket
import time
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import orjson
import pytest

from tests.api import Client
from tests.test_cli import service_env, serving

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zm9yLXRlc3Rz"
PASSWORD = "correct-horse-battery-staple-71"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("tour-1", True),
        ("A.b_c-9" * 18 + "xx", True),  # 128 characters
        ("a" * 129, False),
        ("has space", False),
        ("semi;colon", False),
        ("", False),
    ],
)
async def test_a_safe_request_id_is_echoed_and_any_other_replaced(
    client: Client, given: str, kept: bool
) -> None:
    response = await client.get("/", headers={"X-Request-ID": given})
    echoed = response.headers["X-Request-ID"]
    if kept:
        assert echoed == given
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


async def test_every_answer_has_a_request_id(client: Client) -> None:
    for path in ("/", "/no/such/route", "/players/abc", "/docs/static/index.css"):
        response = await client.get(path)
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), path
    ids = {(await client.get("/")).headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def send(port: int, method: str, path: str, body: bytes | None, **headers: str) -> int:
    request = Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    try:
        with urlopen(request, timeout=10) as response:
            return response.status
    except HTTPError as error:
        error.close()
        return error.code


def send_raw(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        return sock.recv(65536)


def tour(port: int) -> None:
    """Requests that carry a token and a password, in headers, bodies and malformed bytes."""
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    json = {"Content_Type": "application/json"}
    player = orjson.dumps({"username": "ada", "email": "ada@example.com", "password": PASSWORD})
    traced = {"X_Request_ID": "tour-1", "traceparent": TRACEPARENT}
    assert send(port, "POST", "/players/", player, **json, **bearer, **traced) == 201
    bad_email = orjson.dumps({"username": "bob", "email": "nope", "password": PASSWORD})
    assert send(port, "POST", "/players/", bad_email, **json, **bearer) == 422
    assert send(port, "POST", "/players/", player, Content_Type="text/plain", **bearer) == 415
    assert send(port, "GET", f"/players/1?token={TOKEN}", None, **bearer) == 200
    assert send(port, "GET", "/metrics", None, **bearer) == 200
    assert send_raw(
        port,
        b"POST /players/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + TOKEN.encode()
        + b"\x01\r\n\r\n",
    ).startswith(b"HTTP/1.0 400")
    assert send_raw(port, b"GET /?password=" + PASSWORD.encode() + b" HTTX/1.1\r\n\r\n").startswith(
        b"HTTP/1.0 400"
    )


def read_lines(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text().splitlines()
    assert lines
    return [orjson.loads(line) for line in lines]  # every line is one JSON object


def test_logs_are_json_lines_with_request_ids_and_no_secrets(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "service.log"
    env = service_env(
        DATABASE_URL=database_url, LOG_FORMAT="json", ACCESS_LOG="true", LOG_LEVEL="DEBUG"
    )
    with serving(env, output=log) as port:
        tour(port)
        time.sleep(0.2)  # the access log is written after the answer
    text = log.read_text()
    assert TOKEN not in text
    assert PASSWORD not in text
    assert "Traceback" not in text

    lines = read_lines(log)
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    traced = [line for line in lines if line.get("request_id") == "tour-1"]
    assert traced, "no line names the request id the client gave"
    assert all(line["trace_id"] == TRACE_ID for line in traced)
    assert any(line["logger"] == "aiohttp.access" for line in traced)
    malformed = [line for line in lines if line["logger"] == "socialproof.protocol_errors"]
    assert [line["level"] for line in malformed] == ["WARNING", "WARNING"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in malformed)
