"""The servers under test, each a process of its own on a free port: the service
(`python -m socialproof serve`) and the floor app (`python -m bench.floor_app`)."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from socialproof import PROJECT_ROOT
from socialproof.auth.tokens import TokenSigner
from socialproof.settings import Settings

# The service with accounts (AUTH=required) signs with this run's own key, and the bench's
# writes carry a game server's token signed with it, valid for the whole run.
_BENCH_AUTH = Settings(jwt_secret=secrets.token_urlsafe(32), access_token_ttl=24 * 3600)


def bench_token() -> str:
    """A trusted game server's access token (results:write) for the AUTH=required service."""
    return TokenSigner.from_settings(_BENCH_AUTH).issue("client:bench", "results:write")


class ServerError(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class Running:
    base_url: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_idle(base_url: str, timeout: float = 120) -> None:
    """Wait until GET /health answers within a second: the requests queued before it ran."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = time.monotonic()
        if _ready(base_url + "/health", timeout=30) and time.monotonic() - started < 1:
            return
        time.sleep(0.2)


@contextmanager
def running(
    command: list[str], env: dict[str, str], ready_path: str, port: int, log_path: Path
) -> Iterator[Running]:
    """Start `command`, wait until GET `ready_path` answers 200, stop it (SIGTERM) on exit."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not _ready(base_url + ready_path):
            if process.poll() is not None:
                raise ServerError(
                    f"{' '.join(command)} exited with {process.returncode}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise ServerError(f"{' '.join(command)} did not answer in 60 s:\n{_tail(log_path)}")
            time.sleep(0.1)
        yield Running(base_url, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def service_command(workers: int, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "socialproof",
        "serve",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--workers={workers}",
    ]


def service_env(
    database_url: str, pool_min: int, pool_max: int, auth: str = "off"
) -> dict[str, str]:
    """The service's settings for the bench: what `make run` uses, made explicit (the
    environment wins over a developer's .env), with the dataset's database. AUTH=off unless
    asked: the bench's sign-ups carry no password."""
    keys = {"JWT_SECRET": str(_BENCH_AUTH.jwt_secret), "ACCESS_TOKEN_TTL": "86400"}
    return {
        "DATABASE_URL": database_url,
        "DB_POOL_MIN_SIZE": str(pool_min),
        "DB_POOL_MAX_SIZE": str(pool_max),
        "ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING",
        "MIGRATE_ON_START": "false",
        "AUTH": auth,
        **(keys if auth == "required" else {}),
    }


def floor_command(port: int, database_url: str, pool_min: int, pool_max: int, *flags: str):
    return [
        sys.executable,
        "-m",
        "bench.floor_app",
        f"--port={port}",
        f"--database-url={database_url}",
        f"--pool-min={pool_min}",
        f"--pool-max={pool_max}",
        *flags,
    ]
