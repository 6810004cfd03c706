"""The servers under test, each a process of its own on a free port (behind a pgbouncer of its
own if it says so), measured with wrk and the CPU each run cost, in rounds alternating between
the servers compared: on a small machine other work shares, a rate drifts by several per cent
within a minute, and alternating spreads the drift over both sides of a ratio, not onto one."""

import os
import re
import secrets
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import psutil

from bench.load import Run, wrk
from bench.targets import Route, Target
from socialproof import PROJECT_ROOT, pgserver
from socialproof.database import connections_needed
from socialproof.pgserver import free_port, wait_for_port
from socialproof.settings import Settings

HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


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
    over a developer's .env), with the bench's database; its output goes to `logs`."""

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


@dataclass(frozen=True)
class Driving:
    """How every run drives load. Reads get `warmup` seconds of load first; servers compared
    alternate in `rounds`; `postmaster`, the embedded server's, gives PostgreSQL's CPU."""

    connections: int
    threads: int
    warmup: int
    rounds: int
    postmaster: int | None
    seed: str


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
    """`target` up until the block ends, and its pgbouncer, in transaction mode as the README
    sets one up, with as many server connections as the target's pools."""
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
    """SIGTERM, then SIGKILL after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Row:
    """One route on one server over its rounds: the rate over all of them, the median p50,
    the worst p99, every error, and CPU microseconds per request."""

    target: str
    route: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    app_cpu_us: float | None
    postgres_cpu_us: float | None
    runs: tuple[Run, ...]

    @classmethod
    def of(cls, target: str, route: Route, runs: list[Run]) -> "Row":
        requests = sum(run.requests for run in runs)

        def per_request(cpu: float) -> float | None:
            return round(cpu / requests * 1e6, 1) if requests and cpu else None

        return cls(
            target=target,
            route=route.label,
            rps=round(requests / sum(run.seconds for run in runs), 1),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=max(run.p99_ms for run in runs),
            errors=sum(run.errors for run in runs),
            requests=requests,
            app_cpu_us=per_request(sum(run.app_cpu for run in runs)),
            postgres_cpu_us=per_request(sum(run.postgres_cpu for run in runs)),
            runs=tuple(runs),
        )


@dataclass(frozen=True)
class Ratio:
    """One rate over another, round by round (each pair saw the same machine), and the
    median of those; plus the same for the server's CPU time per request."""

    route: str
    ours: str
    theirs: str
    median: float
    rounds: tuple[float, ...]
    cpu: float | None

    @classmethod
    def of(cls, ours: Row, theirs: Row) -> "Ratio | None":
        pairs = [a.rps / b.rps for a, b in zip(ours.runs, theirs.runs, strict=False) if b.rps]
        if not pairs:
            return None
        cpu = None
        if ours.app_cpu_us and theirs.app_cpu_us:
            cpu = round(ours.app_cpu_us / theirs.app_cpu_us, 3)
        median, rounds = round(statistics.median(pairs), 3), tuple(round(p, 3) for p in pairs)
        return cls(ours.route, ours.target, theirs.target, median, rounds, cpu)


def _cpu(*pids: int | None) -> dict[int, float]:
    """User + system CPU seconds of some processes and of each live descendant, by pid.
    PostgreSQL's autovacuum workers are left out: they come and go on their own schedule and
    would land on whichever run they overlap."""
    seconds = {}
    for pid in filter(None, pids):
        with suppress(psutil.Error):
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                with suppress(psutil.Error):
                    if "autovacuum" not in " ".join(process.cmdline()):
                        seconds[process.pid] = sum(process.cpu_times()[:2])
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots by the processes alive at the end (one that started in
    between counts whole; one that exited in between is lost: PostgreSQL's figure misses the
    backends of a server whose pool closes connections during the run)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def once(server: Running, route: Route, params: dict[str, str], seconds: int, how: Driving) -> Run:
    """One wrk run of `seconds` against `server`, with the CPU it cost. A fresh tag per run
    keeps the usernames it creates unique."""
    load_average = round(os.getloadavg()[0], 2)
    app, postgres = _cpu(*server.pids), _cpu(how.postmaster)
    params = {"seed": how.seed, "tag": secrets.token_hex(4), **params}
    run = wrk(server.base_url, route.key, params, how.connections, how.threads, seconds)
    return replace(
        run,
        app_cpu=_spent(app, _cpu(*server.pids)),
        postgres_cpu=_spent(postgres, _cpu(how.postmaster)),
        load_average=load_average,
    )


def alternate(
    servers: list[Running],
    route: Route,
    params: Callable[[], dict[str, str]],
    seconds: int,
    how: Driving,
) -> list[Row]:
    """Reads warmed up on each server, then rounds alternating between the servers (one for a
    server alone), every other one in reverse order, so that no server always runs first or
    right after the same one; `params()` gives each run its script's parameters."""
    if how.warmup and not route.writes:
        for server in servers:
            once(server, route, params(), how.warmup, how)
    runs: dict[str, list[Run]] = {server.name: [] for server in servers}
    for round_number in range(how.rounds if len(servers) > 1 else 1):
        for server in servers if round_number % 2 == 0 else servers[::-1]:
            log(f"{server.name}: {route.label}")
            runs[server.name].append(once(server, route, params(), seconds, how))
    return [Row.of(name, route, measured) for name, measured in runs.items()]
