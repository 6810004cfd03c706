"""The servers under test: each target a process of its own on a free port, its output in
bench/results/logs/, stopped when the block that started it ends; a target behind pgbouncer
gets a pgbouncer of its own in front of the bench's database."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.targets import Target
from socialproof import PROJECT_ROOT, pgserver
from socialproof.database import connections_needed
from socialproof.pgserver import free_port, wait_for_port
from socialproof.settings import Settings

HOST = "127.0.0.1"


class ServerError(RuntimeError):
    """A server did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class Running:
    name: str
    base_url: str
    #: Its process, then any other serving it (its pgbouncer): their CPU counts as its own.
    pids: tuple[int, ...]


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
            # One address sends everything; a target with limits says so.
            "RATE_LIMITS": "off",
            **target.env,
        }


def unavailable(target: Target) -> str | None:
    """Why `target` cannot be served on this machine; None when it can."""
    if target.pgbouncer is None:
        return None
    if (version := pgserver.pgbouncer_version()) is None:
        return "pgbouncer is not installed (apt-get install pgbouncer)"
    if target.pgbouncer_since and version < target.pgbouncer_since.version:
        return f"pgbouncer {'.'.join(map(str, version))} here; {target.pgbouncer_since.why}"
    return None


@contextmanager
def serve(target: Target, setup: Setup) -> Iterator[Running]:
    """Start `target` (and its pgbouncer), wait until its port answers (60 s at most), stop it
    (SIGTERM, then SIGKILL after 20 s) after. Its pgbouncer is in transaction mode, set up as
    the README says, with as many server connections as the target's pools."""
    with ExitStack() as stack:
        env = setup.env(target)
        helpers: tuple[int, ...] = ()
        if target.pgbouncer is not None:
            settings = Settings.from_env(env, env_file=PROJECT_ROOT / ".env")
            options = {
                "default_pool_size": settings.workers * settings.pool_max_size,
                "max_client_conn": connections_needed(settings),
                **target.pgbouncer,
            }
            timeout = settings.db_timeout  # the service's own statement timeout
            bouncing = pgserver.pgbouncer(
                env["DATABASE_URL"], statement_timeout=timeout, options=options
            )
            bouncer = stack.enter_context(bouncing)
            env["DATABASE_URL"], helpers = bouncer.url, (bouncer.pid,)
        port = free_port(HOST)
        setup.logs.mkdir(parents=True, exist_ok=True)
        log_path = setup.logs / (re.sub(r"\W+", "-", target.name).strip("-") + ".log")
        command = [sys.executable, *target.program, f"--host={HOST}", f"--port={port}"]
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)
        stack.callback(_stop, process)
        try:
            wait_for_port(HOST, port, timeout=60, gone=lambda: process.poll() is not None)
        except (TimeoutError, RuntimeError) as error:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise ServerError(f"{target.name}: {error}\n{tail}") from None
        yield Running(target.name, f"http://{HOST}:{port}", (process.pid, *helpers))


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
