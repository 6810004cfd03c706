"""The servers under test: each target a process of its own on a free port, its output in
bench/results/logs/, stopped when the block that started it ends."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.targets import Target
from socialproof import PROJECT_ROOT
from socialproof.pgserver import free_port, wait_for_port

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class Running:
    name: str
    base_url: str
    pid: int


@dataclass(frozen=True)
class Setup:
    """What every server is given: what `make run` uses, made explicit (the environment wins
    over a developer's .env), with the bench's database."""

    database_url: str
    pool_min: int
    pool_max: int
    logs: Path

    def env(self, target: Target) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "DATABASE_URL": self.database_url,
            "DB_POOL_MIN_SIZE": str(self.pool_min),
            "DB_POOL_MAX_SIZE": str(self.pool_max),
            "ACCESS_LOG": "false",
            "LOG_LEVEL": "WARNING",
            "MIGRATE_ON_START": "false",
            # No load balancer to wait for: stop at once on the bench's SIGTERM.
            "SHUTDOWN_DELAY": "0",
            # The load signs players up without passwords; a target with accounts says so.
            "AUTH": "off",
            **target.env,
        }


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serve(target: Target, setup: Setup) -> Iterator[Running]:
    """Start `target`, wait until its port answers (60 s at most), stop it (SIGTERM) after."""
    port = free_port(HOST)
    setup.logs.mkdir(parents=True, exist_ok=True)
    log_path = setup.logs / (re.sub(r"\W+", "-", target.name).strip("-") + ".log")
    command = [sys.executable, *target.program, f"--host={HOST}", f"--port={port}"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=setup.env(target), stdout=log, stderr=log
        )
    try:
        try:
            wait_for_port(HOST, port, timeout=60, gone=lambda: process.poll() is not None)
        except (TimeoutError, RuntimeError) as error:
            raise ServerError(f"{target.name}: {error}\n{_tail(log_path)}") from None
        yield Running(target.name, f"http://{HOST}:{port}", process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
