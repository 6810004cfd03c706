"""Measuring: one wrk run with the CPU it cost, rounds alternating between servers, and what
the rounds add up to.

Servers compared with each other run side by side and are measured in alternating rounds:
on a small machine other work shares, a rate drifts by several per cent within a minute, and
alternating spreads the drift over both sides of a ratio instead of onto one.
"""

import os
import secrets
import statistics
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime

import psutil

from bench.load import Run, wrk
from bench.servers import Running
from bench.targets import Route


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Driving:
    """How every run drives load. Reads get `warmup` seconds of load first; servers compared
    alternate in `rounds` (one for a server alone); `postmaster`, the embedded server's, gives
    PostgreSQL's CPU (None on another server)."""

    connections: int
    threads: int
    warmup: int
    rounds: int
    postmaster: int | None
    seed: str


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
        rounds = tuple(round(pair, 3) for pair in pairs)
        return cls(
            ours.route, ours.target, theirs.target, round(statistics.median(pairs), 3), rounds, cpu
        )


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
    """Reads warmed up on each server, then rounds alternating between the servers (one is
    enough for a server alone), every other round in reverse order, so that no server always
    runs first or right after the same one. `params()` gives each run its script's
    parameters."""
    if how.warmup and not route.writes:
        for server in servers:
            once(server, route, params(), how.warmup, how)
    runs: dict[str, list[Run]] = {server.name: [] for server in servers}
    for round_number in range(how.rounds if len(servers) > 1 else 1):
        for server in servers if round_number % 2 == 0 else servers[::-1]:
            log(f"{server.name}: {route.label}")
            runs[server.name].append(once(server, route, params(), seconds, how))
    return [Row.of(name, route, measured) for name, measured in runs.items()]
