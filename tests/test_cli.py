"""`python -m socialproof serve` as ops run it: embedded by default, never migrating silently."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from urllib.request import Request, urlopen

import orjson
import pytest

from socialproof import PROJECT_ROOT
from socialproof.pgserver import free_port, wait_for_port
from tests import pg


def service_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    return {**env, "AUTH": "off", **settings}


def call(port: int, path: str, body: dict[str, str] | None = None) -> tuple[int, object]:
    request = Request(
        f"http://127.0.0.1:{port}{path}",
        data=orjson.dumps(body) if body else None,
        headers={"Content-Type": "application/json"} if body else {},
    )
    with urlopen(request, timeout=10) as response:
        return response.status, orjson.loads(response.read())


def up(port: int, process: "subprocess.Popen[bytes]", output: Path | None = None) -> None:
    """Wait (30 s at most) until the served `process` answers /health with 200 on `port`;
    fail the test with its output (or the file it goes to) when it exits or does not answer
    in time."""
    try:
        wait_for_port("127.0.0.1", port, timeout=30, gone=lambda: process.poll() is not None)
    except (TimeoutError, RuntimeError) as error:
        process.kill()
        pytest.fail(f"{error}:\n{(process.communicate()[0] or b'').decode()} {output or ''}")
    assert call(port, "/health")[0] == 200


def refused_start(env: dict[str, str]) -> str:
    """The one line `serve` exits with when it refuses to start under `env`."""
    result = subprocess.run(
        [sys.executable, "-m", "socialproof", "serve", "--port", str(free_port())],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    return line


@contextmanager
def serving(env: dict[str, str], output: Path | None = None) -> Iterator[int]:
    """The service on a free port; its stdout and stderr go to `output` when given."""
    port = free_port()
    with output.open("wb") if output else nullcontext() as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "socialproof", "serve", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=sink or subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    try:
        up(port, process, output)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)


def test_pending_migrations_stop_start_up_with_one_clear_line(server_url: str) -> None:
    with pg.fresh_database(server_url) as url:
        line = refused_start(service_env(DATABASE_URL=url))
        assert "pending" in line and "make migrate" in line
        assert pg.run(url, "list_tables") == []


def test_migrate_on_start_applies_them_and_serves(server_url: str) -> None:
    with pg.fresh_database(server_url) as url:
        with serving(service_env(DATABASE_URL=url, MIGRATE_ON_START="1")) as port:
            assert call(port, "/players/", {"username": "ops", "email": "o@example.com"})[0] == 201
        assert pg.run(url, "list_tables") == [
            ("game_scenarios",),
            ("player_profiles",),
            ("rating_bands",),
        ]


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs the embedded server")
def test_embedded_server_keeps_its_data_across_restarts(tmp_path: Path) -> None:
    env = service_env(EMBEDDED_PG_DIR=str(tmp_path / "pgdata"))
    with serving(env) as port:
        status, player = call(port, "/players/", {"username": "keeper", "email": "k@example.com"})
        assert status == 201
    with serving(env) as port:
        assert call(port, f"/players/{player['id']}") == (200, player)  # type: ignore[index]
