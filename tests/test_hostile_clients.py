"""Hostile clients against `python -m socialproof serve`, over real sockets: slow headers and
bodies, too many connections, compressed bodies, oversize lines, and the process's resident
memory before, during and after.

The served process has short timeouts (1 s) and a small connection cap (16) so that each case
takes seconds; the memory bounds are generous for a noisy machine, but real: a body a
connection held on to, or not returned, would break them.
"""

import gzip
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.error import HTTPError

import aiohttp
import attrs
import psutil
import pytest
import redis

from socialproof import PROJECT_ROOT
from socialproof.pgserver import free_port
from tests.api import Client
from tests.test_cli import call, up
from tests.test_limits import REDIS_URL, redis_answers

TIMEOUT_SECONDS = 1
MAX_CONNECTIONS = 32
MiB = 1024 * 1024
BODY_BYTES = MiB - 1024  # just under the 1 MiB limit


@attrs.frozen
class Served:
    port: int
    process: psutil.Process

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in [self.process, *self.process.children()])


@contextmanager
def serving(**settings: str) -> Iterator[Served]:
    """The service in a process of its own, on the test database, until the block ends."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "socialproof", "serve", "--port", str(port)],
        env={**env, **settings},
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        up(port, process)
        yield Served(port, psutil.Process(process.pid))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)


@pytest.fixture(scope="module")
def served(database_url: str) -> Iterator[Served]:
    with serving(
        DATABASE_URL=database_url,
        AUTH="off",
        RATE_LIMITS="off",
        HEADER_TIMEOUT=str(TIMEOUT_SECONDS),
        BODY_TIMEOUT=str(TIMEOUT_SECONDS),
        MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    ) as served:
        yield served


def connect(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def exchange(served: Served, request: bytes) -> bytes:
    with connect(served) as sock:
        sock.sendall(request)
        return read_all(sock)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def post(path: str, body: bytes, *headers: bytes) -> bytes:
    head = [
        b"POST " + path.encode() + b" HTTP/1.1",
        b"Host: test",
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(body),
        b"Connection: close",
        *headers,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def test_slow_headers_are_cut_after_the_header_timeout(served: Served) -> None:
    with connect(served) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /players/ HTTP/1.1\r\nHost: test\r\n")
        sock.settimeout(0.2)
        closed = False
        while not closed and time.monotonic() - started < 5:
            try:
                closed = sock.recv(1024) == b""
            except TimeoutError:
                sock.sendall(b"X")  # a byte now and then, never the end of the headers
            except ConnectionResetError:
                closed = True
        elapsed = time.monotonic() - started
    assert closed
    assert TIMEOUT_SECONDS * 0.8 <= elapsed < TIMEOUT_SECONDS + 2


def test_a_slow_body_is_answered_408_after_the_body_timeout(served: Served) -> None:
    with connect(served) as sock:
        started = time.monotonic()
        sock.sendall(post("/players/", b'{"username": "slow"}')[:-1])  # never whole
        first = sock.recv(65536)
        elapsed = time.monotonic() - started
        answer = first + read_all(sock)  # then the server closes
    assert status_of(answer) == 408
    assert answer.endswith(b'{"detail":"Request body took too long to arrive"}')
    assert TIMEOUT_SECONDS * 0.8 <= elapsed < TIMEOUT_SECONDS + 2


def test_connections_over_the_cap_are_refused_and_the_cap_frees_up(served: Served) -> None:
    idle = [connect(served) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.3)  # every one accepted
    try:
        over = [exchange(served, b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n") for _ in range(3)]
        for answer in over:
            assert status_of(answer) == 503
            assert answer.endswith(b'{"detail":"Too many connections"}')
        # The idle connections are cut after the header timeout; then others are served.
        deadline = time.monotonic() + TIMEOUT_SECONDS + 3
        while time.monotonic() < deadline:
            answer = exchange(
                served, b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            )
            if status_of(answer) == 200:
                break
            time.sleep(0.2)
        assert status_of(answer) == 200
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        (b"gzip", gzip.compress(b'{"username": "zipped", "email": "z@example.com"}')),
        (b"deflate", zlib.compress(b'{"username": "zipped", "email": "z@example.com"}')),
        (b"br", b"\x8b\x03\x80not really brotli"),
        (b"gzip", b"\x1f\x8bgarbled, not gzip at all"),
    ],
)
def test_compressed_bodies_are_refused_with_415(
    served: Served, encoding: bytes, body: bytes
) -> None:
    answer = exchange(served, post("/players/", body, b"Content-Encoding: " + encoding))
    assert status_of(answer) == 415
    assert b'"detail":"Content-Encoding is not supported' in answer


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /players/?skip=" + b"1" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        (b"GET /" + b"p" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        (b"GET /players/ HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (
            b"GET /players/ HTTP/1.1\r\nHost: t\r\n"
            + b"".join(b"X-Many-%d: v\r\n" % n for n in range(200))
            + b"\r\n",
            431,
        ),
    ],
    ids=["long-query-string", "long-path", "long-header", "too-many-headers"],
)
def test_oversize_lines_and_headers_get_their_status_without_a_trace(
    served: Served, request_bytes: bytes, status: int
) -> None:
    answer = exchange(served, request_bytes)
    assert status_of(answer) == status
    assert b"Traceback" not in answer and b"bytearray" not in answer


# What the allocator may keep after hostile rounds, on a busy machine too: less than one
# round's stalled bodies.
SLACK = 24 * MiB


def hostile_round(served: Served, bomb: bytes) -> list[int]:
    """Connections up to the cap that send all but the last byte of a 1 MiB body and stall
    (once they leave, once they wait for their 408), then gzip bombs; the process's resident
    memory while each stall lasts."""
    peaks = []
    for leave in (True, False):
        stalled = []
        for _ in range(MAX_CONNECTIONS):
            sock = connect(served)
            sock.sendall(post("/players/", b"x" * (BODY_BYTES + 1))[:-1])
            stalled.append(sock)
        time.sleep(0.5)
        peaks.append(served.rss())
        if not leave:  # each is cut at the body timeout
            answers = [read_all(sock) for sock in stalled]
            assert {status_of(answer) for answer in answers} == {408}
        for sock in stalled:
            sock.close()
        time.sleep(0.5)  # the server sees them go
    for _ in range(3):
        answer = exchange(served, post("/players/", bomb, b"Content-Encoding: gzip"))
        assert status_of(answer) == 415
    time.sleep(0.5)
    return peaks


def test_memory_stays_bounded_and_comes_back_after_hostile_clients(served: Served) -> None:
    """While hostile clients hold every connection, resident memory stays under base +
    connections x body x 3; once they leave it comes back near base, round after round. The
    first round sets the base: the allocator keeps some of what it once used. A leak keeps
    each round's stalled bodies (30-50 MiB a round here) and grows round by round; the
    allocator's own slack does not grow."""
    bomb = gzip.compress(b"\0" * (200 * MiB))  # about 200 KB inflating to 200 MiB
    hostile_round(served, bomb)
    base = served.rss()
    peaks = hostile_round(served, bomb) + hostile_round(served, bomb)
    # On a busy machine the server may take a moment to see every connection go.
    deadline = time.monotonic() + 5
    while (after := served.rss()) - base >= SLACK and time.monotonic() < deadline:
        time.sleep(0.2)

    bound = MAX_CONNECTIONS * BODY_BYTES * 3 + 32 * MiB
    for during in peaks:
        assert during - base < bound, f"{(during - base) / MiB:.0f} MiB more while stalled"
        assert during - base > MAX_CONNECTIONS * BODY_BYTES / 2, "the bodies were not held?"
    assert after - base < SLACK, f"{(after - base) / MiB:.0f} MiB more after two rounds"


@pytest.mark.parametrize("store", ["postgres", "redis"])
def test_two_worker_processes_share_one_auth_limit(
    database_url: str, empty_tables: str, store: str
) -> None:
    settings = {
        "DATABASE_URL": database_url,
        "AUTH": "off",
        "WORKERS": "2",
        "RATE_LIMIT_AUTH": "3/minute",
        "FORWARDED_ALLOW_IPS": "192.0.2.1",  # the tests' own address is no proxy
    }
    prefix = f"socialproof-test-{secrets.token_hex(4)}:"
    if store == "redis":
        if not redis_answers():
            pytest.skip(f"no Redis answers at {REDIS_URL}")
        settings |= {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix}
    with serving(**settings) as served:
        assert len(served.process.children()) == 2
        statuses = []
        for n in range(8):  # each on a new connection: the kernel spreads them over both
            try:
                statuses.append(
                    call(
                        served.port,
                        "/players/",
                        {"username": f"worker{n}", "email": f"worker{n}@example.com"},
                    )[0]
                )
            except HTTPError as error:
                statuses.append(error.code)
                assert error.headers["Retry-After"]
    assert statuses == [201, 201, 201] + [429] * 5
    if store == "redis":
        with redis.Redis.from_url(REDIS_URL) as client:
            for key in client.scan_iter(match=f"{prefix}*"):
                client.delete(key)


SCENARIO = b'"scenario_type": "negotiation", "difficulty_level": 5'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/players/", b"[" * 5000 + b"]" * 5000),
        (
            "/players/",
            b'{"username": "a' + b"[" * 3000 + b'", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        ),
        ("/players/", b'{"username": "nul\\u0000", "email": "n@example.com"}'),
        ("/players/", b'{"username": "nul", "email": "n\\u0000@example.com"}'),
        ("/players/", b'{"username": "lone\\ud800", "email": "l@example.com"}'),
        ("/players/", b'{"username": "lone", "email": "l\\udfff@example.com"}'),
        ("/scenarios/", b'{"player_id": 1, "content": "a\\u0000b", ' + SCENARIO + b"}"),
        ("/scenarios/", b'{"player_id": 1, "content": "a\\ud83db", ' + SCENARIO + b"}"),
        ("/scenarios/", b'{"player_id": 1e999, "content": "c", ' + SCENARIO + b"}"),
        ("/scenarios/", b'{"player_id": -1e999, "content": "c", ' + SCENARIO + b"}"),
        ("/scenarios/", b'{"player_id": 1e300, "content": "c", ' + SCENARIO + b"}"),
        (
            "/scenarios/",
            b'{"player_id": 123456789012345678901234567890, "content": "c", ' + SCENARIO + b"}",
        ),
        (
            "/scenarios/",
            b'{"player_id": 1, "content": "c", "scenario_type": "nul\\u0000", '
            b'"difficulty_level": 5}',
        ),
        (
            "/scenarios/",
            b'{"player_id": 1, "content": "c", "scenario_type": "t", "difficulty_level": 1e308}',
        ),
    ],
)
async def test_hostile_json_is_a_422_never_a_500(client: Client, path: str, body: bytes) -> None:
    response = await client.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 422, await response.text()
    detail = (await response.json())["detail"]
    assert isinstance(detail, list) and detail


async def test_multipart_bodies_are_refused_with_415(client: Client) -> None:
    form = aiohttp.FormData({"username": "parts", "email": "parts@example.com"})
    form.add_field("file", b"\0" * 1000, filename="blob.bin")
    response = await client.post("/players/", data=form)
    assert response.status == 415
    assert (await response.json())["detail"].startswith("Multipart bodies are not supported")
