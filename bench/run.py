"""One bench run, start to end: dataset, service, floors, known wins, scaling; the results as
one dictionary that bench/report.py turns into Markdown, JSON and the stdout table.

Numbers that are compared with each other (service and floor, one worker and two, the floor's
variants) come from servers running side by side, measured in alternating rounds: on a small
machine that other work shares, a rate drifts by several per cent within a minute, and
alternating spreads that drift over both sides of a ratio instead of onto one.
"""

import secrets
import statistics
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import database, machine, pgbench, processes, scaling
from bench.cpu import CpuMeter, CpuSample, postmaster_pid
from bench.endpoints import BY_KEY, Endpoint, RequestState, make_request
from bench.load import LoadError, LoadResult, run_python, run_wrk
from bench.processes import ServerError
from socialproof import PROJECT_ROOT

# Floor variants weighing the known wins of issue 5, point 5: each flips one habit back to
# the slower choice, everything else as the service is served by default.
WINS = (
    ("baseline: no reset query, uvloop, orjson, statement cache, no access log", ()),
    ("asyncpg's reset query on every release", ("--reset-query",)),
    ("no prepared statement reuse (statement_cache_size=0)", ("--statement-cache-size=0",)),
    ("stdlib json instead of orjson", ("--json=stdlib",)),
    ("asyncio's loop instead of uvloop", ("--loop=asyncio",)),
    ("access log on (aiohttp's, to a file)", ("--access-log",)),
    ("one pass-through middleware", ("--middlewares=1",)),
    ("pool of 4 connections", ("--pool-max=4",)),
    ("pool of 32 connections (one per client)", ("--pool-max=32",)),
)
SMOKE_WINS = WINS[:2]
# The endpoints the floor also serves, for the service / floor ratios.
FLOOR_ENDPOINTS = ("get_player", "create_player")
# Measured again on a service with accounts (AUTH=required): a public read with no token, and
# a write with a game server's token.
ACCOUNTS_ENDPOINTS = ("get_player", "create_scenario")
PROBLEM = "problem"


@dataclass(frozen=True)
class Options:
    smoke: bool
    players: int
    scenarios: int
    played: float
    seconds: int
    rounds: int
    warmup: int
    connections: int
    threads: int
    endpoints: tuple[str, ...]
    floor: bool
    pgbench: bool
    workers: tuple[int, ...]
    wins_seconds: int
    scaling: tuple[int, ...]
    scaling_seconds: int
    driver: str
    database_url: str | None
    pg_dir: Path
    force_reload: bool
    pool_min: int
    pool_max: int
    results_dir: Path


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def probe(base_url: str, endpoint: Endpoint, params: dict[str, str]) -> str | None:
    """One request as the load sends them: None when it gets the expected answer, else what
    went wrong ('missing' when the route does not exist)."""
    # A tag of its own, so a probe's username never meets a load run's.
    params = {**params, "tag": secrets.token_hex(4)}
    method, path, body = make_request(endpoint.key, RequestState(1, 1, params))
    headers = {"Content-Type": "application/json"} if body else {}
    if body and "token" in params:
        headers["Authorization"] = f"Bearer {params['token']}"
    request = urllib.request.Request(base_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    except OSError as error:
        return f"no answer: {error}"
    if status == endpoint.status:
        try:
            orjson.loads(payload)
        except orjson.JSONDecodeError:
            return f"{status} with a body that is not JSON"
        return None
    if status == 404 and b'"Not Found"' in payload:
        return "missing"
    return f"{status} {payload[:200].decode(errors='replace')}"


def combine(
    label: str, runs: list[LoadResult], cpu: list[CpuSample], load_averages: list[float]
) -> dict[str, object]:
    """Rounds of one measurement as one row: the rate over all of them, the median p50, the
    worst p99, every error, and CPU time per request."""
    requests = sum(r.requests for r in runs)
    seconds = sum(r.seconds for r in runs)

    def per_request(spent: float) -> float | None:
        return round(spent / requests * 1e6, 1) if requests and spent else None

    return {
        "label": label,
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "requests": requests,
        "seconds": round(seconds, 2),
        "rounds_rps": [round(r.rps, 1) for r in runs],
        "p50_ms": statistics.median(r.p50_ms for r in runs),
        "p90_ms": statistics.median(r.p90_ms for r in runs),
        "p99_ms": max(r.p99_ms for r in runs),
        "mean_ms": round(statistics.fmean(r.mean_ms for r in runs), 3),
        "max_ms": max(r.max_ms for r in runs),
        "status_errors": sum(r.status_errors for r in runs),
        "socket_errors": sum(r.socket_errors for r in runs),
        "errors": sum(r.errors for r in runs),
        "driver": runs[0].driver,
        "server_cpu_us_per_request": per_request(sum(c.server for c in cpu)),
        "postgres_cpu_us_per_request": per_request(sum(c.postgres for c in cpu)),
        "driver_cpu_share": round(sum(c.driver for c in cpu) / seconds, 3) if seconds else None,
        "load_average": max(load_averages),
    }


def cpu_ratio(target: "Target", baseline: "Target", key: str) -> float | None:
    """The app CPU per request of `target` over `baseline`'s, on one endpoint."""
    spent = [
        sum(c.server for c in t.cpu.get(key, [])) / requests
        for t in (target, baseline)
        if (requests := sum(r.requests for r in t.runs.get(key, [])))
    ]
    return round(spent[0] / spent[1], 3) if len(spent) == 2 and spent[1] else None


class Target:
    """A server under test: where it answers and what the bench measured on it."""

    def __init__(self, name: str, server: processes.Running | None = None) -> None:
        self.name = name
        self.server = server
        self.runs: dict[str, list[LoadResult]] = {}
        self.cpu: dict[str, list[CpuSample]] = {}
        self.load_averages: dict[str, list[float]] = {}
        self.problems: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def row(self, endpoint: Endpoint) -> dict[str, object] | None:
        if endpoint.key in self.problems:
            return {"label": endpoint.label, PROBLEM: self.problems[endpoint.key]}
        if endpoint.key not in self.runs:
            return None
        return combine(
            endpoint.label,
            self.runs[endpoint.key],
            self.cpu[endpoint.key],
            self.load_averages[endpoint.key],
        )


class BenchRun:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.seed = str(int(time.time()))
        self.problems: list[str] = []
        self.logs = options.results_dir / "logs"
        self.results: dict[str, object] = {}
        # The embedded server's postmaster, for PostgreSQL's CPU time; None with DATABASE_URL.
        self.postmaster: int | None = None

    # Driving load

    def drive(self, base_url: str, endpoint: Endpoint, params: dict, seconds: int) -> LoadResult:
        options = self.options
        # A fresh tag per run: usernames stay unique across runs, servers and earlier benches.
        params = {"seed": self.seed, "tag": secrets.token_hex(4), **params}
        if options.driver == "wrk":
            return run_wrk(
                base_url, endpoint.script, params, options.connections, options.threads, seconds
            )
        return run_python(
            base_url, endpoint.key, endpoint.status, params, options.connections, seconds
        )

    def prepare(self, target: Target, endpoint: Endpoint, params: dict) -> bool:
        """Probe, then warm up reads (writes would use up the data they need); False when the
        probe failed, which is recorded instead of a measurement."""
        problem = probe(target.base_url, endpoint, {"seed": self.seed, **params})
        if problem is not None:
            target.problems[endpoint.key] = problem
            return False
        if self.options.warmup and endpoint.is_read:
            self.drive(target.base_url, endpoint, params, self.options.warmup)
        return True

    def measure(self, target: Target, endpoint: Endpoint, params: dict, seconds: int) -> None:
        log(f"{target.name}: {endpoint.label}")
        target.load_averages.setdefault(endpoint.key, []).append(machine.load_average())
        assert target.server is not None
        meter = CpuMeter(target.server.pid, self.postmaster)
        result = self.drive(target.base_url, endpoint, params, seconds)
        target.cpu.setdefault(endpoint.key, []).append(meter.stop())
        target.runs.setdefault(endpoint.key, []).append(result)

    def rounds(self, targets: list[Target], endpoint: Endpoint, params: dict, seconds: int):
        """Each target prepared, then measured in alternating rounds."""
        live = [target for target in targets if self.prepare(target, endpoint, params)]
        for _ in range(self.options.rounds if len(live) > 1 else 1):
            for target in live:
                self.measure(target, endpoint, params, seconds)

    # Servers

    def service(
        self, stack: ExitStack, url: str, workers: int, auth: str = "off"
    ) -> processes.Running:
        port = processes.free_port()
        running = stack.enter_context(
            processes.running(
                processes.service_command(workers, port),
                processes.service_env(url, self.options.pool_min, self.options.pool_max, auth),
                "/health",
                port,
                self.logs / f"service-{workers}w-auth-{auth}.log",
            )
        )
        return running

    def floor(self, stack: ExitStack, url: str, flags: tuple[str, ...] = ()) -> processes.Running:
        port = processes.free_port()
        pool_max = self.options.pool_max
        for flag in flags:  # a later --pool-max wins over the service's size
            if flag.startswith("--pool-max="):
                pool_max = int(flag.split("=", 1)[1])
        command = processes.floor_command(
            port, url, min(self.options.pool_min, pool_max), self.options.pool_max, *flags
        )
        running = stack.enter_context(
            processes.running(command, {}, "/players/1", port, self.logs / "floor.log")
        )
        return running

    # Phases

    def dataset(self, server_url: str) -> database.Dataset:
        options = self.options
        if options.database_url and not options.smoke:
            url = options.database_url
        else:
            name = "socialproof_bench_smoke" if options.smoke else "socialproof_bench"
            url = database.ensure_database(server_url, name)
        log(f"dataset: {options.players:,} players, {options.scenarios:,} scenarios")
        dataset = database.prepare_dataset(
            url, options.players, options.scenarios, options.played, options.force_reload
        )
        check = None
        if dataset.load_seconds is not None:
            log(f"dataset: loaded in {dataset.load_seconds:.1f} s; checking its consistency")
        else:
            log("dataset: reusing the one an earlier run loaded")
        if dataset.load_seconds is not None or options.smoke:
            check = database.check_dataset(url)
            if any(check.values()):
                self.problems.append(f"the loaded dataset is inconsistent: {check}")
        if not database.checkpoint(url):
            log("CHECKPOINT not allowed for this user: one may land during a measurement")
        self.results["dataset"] = {
            "players": dataset.players,
            "scenarios": dataset.scenarios,
            "played_share": options.played,
            "load_seconds": dataset.load_seconds,
            "load_steps_seconds": dataset.load_steps,
            "check": check,
        }
        return dataset

    def endpoints(self, dataset: database.Dataset) -> None:
        """Every endpoint on one service process; the floor and the multi-worker service run
        beside it for the endpoints they are compared on."""
        options = self.options
        # The token is for the AUTH=required service; the others ignore it.
        params = {"players": str(dataset.max_player_id), "token": processes.bench_token()}
        with ExitStack() as stack:
            service = Target("service", self.service(stack, dataset.url, 1))
            accounts = Target(
                "service AUTH=required", self.service(stack, dataset.url, 1, "required")
            )
            floor = Target("floor", self.floor(stack, dataset.url)) if options.floor else None
            multi = [
                Target(f"service --workers {n}", self.service(stack, dataset.url, n))
                for n in options.workers
                if n != 1
            ]
            # Reads first: the writes add players and results (over a hundred thousand rows in
            # a default run), which would change the data the reads are measured on.
            order = sorted(options.endpoints, key=lambda key: not BY_KEY[key].is_read)
            for key in order:
                endpoint = BY_KEY[key]
                targets = [service]
                if floor and key in FLOOR_ENDPOINTS:
                    targets.append(floor)
                if key == "get_player":
                    targets += multi
                if key in ACCOUNTS_ENDPOINTS:
                    targets.append(accounts)
                if key == "record_result":
                    self.record_result(service, dataset, params)
                    continue
                self.rounds(targets, endpoint, params, options.seconds)
        self.results["service"] = {
            key: row for key in options.endpoints if (row := service.row(BY_KEY[key]))
        }
        if floor:
            self.results["floor"] = {
                key: row
                for key in FLOOR_ENDPOINTS
                if key in options.endpoints and (row := floor.row(BY_KEY[key]))
            }
        self.results["workers"] = {
            target.name.rsplit(" ", 1)[-1]: target.row(BY_KEY["get_player"]) for target in multi
        }
        self.results["ratios"] = self.ratios(service, floor)
        self.results["accounts"] = {
            key: row for key in ACCOUNTS_ENDPOINTS if (row := accounts.row(BY_KEY[key]))
        }
        self.results["ratios"]["accounts"] = {
            key: ratio for key in ACCOUNTS_ENDPOINTS if (ratio := cpu_ratio(accounts, service, key))
        }

    def record_result(self, service: Target, dataset: database.Dataset, params: dict) -> None:
        """Each request plays a fresh scenario: a pool of unplayed ones, made just before,
        larger than the service could play in the time given."""
        endpoint = BY_KEY["record_result"]
        size = max(2_000, self.options.seconds * 10_000)
        pool = database.result_pool(dataset.url, dataset.max_player_id, size)
        # The probe plays the pool's first scenario; the load starts after it.
        problem = probe(
            service.base_url,
            endpoint,
            {"seed": self.seed, **params, "pool_first": str(pool.first_id)},
        )
        if problem is not None:
            service.problems[endpoint.key] = problem
            return
        self.measure(
            service,
            endpoint,
            {**params, "pool_first": str(pool.first_id + 1)},
            self.options.seconds,
        )
        if service.runs[endpoint.key][-1].requests >= size - 1:
            self.problems.append("the result pool ran out: the service outran its size")

    def ratios(self, service: Target, floor: Target | None) -> dict[str, object]:
        """Service / floor per round (rounds alternate, so each pair saw the same machine);
        the median over the rounds."""
        ratios: dict[str, object] = {}
        if floor is None:
            return ratios
        for name, key in (("read", "get_player"), ("insert", "create_player")):
            ours, theirs = service.runs.get(key, []), floor.runs.get(key, [])
            pairs = [a.rps / b.rps for a, b in zip(ours, theirs, strict=False) if b.rps]
            if pairs:
                ratios[name] = round(statistics.median(pairs), 3)
                ratios[f"{name}_rounds"] = [round(p, 3) for p in pairs]
            # The price of our own code in CPU time, steadier than the rates on a busy machine.
            spent = [
                sum(c.server for c in target.cpu.get(key, [])) / requests
                for target in (service, floor)
                if (requests := sum(r.requests for r in target.runs.get(key, [])))
            ]
            if len(spent) == 2 and spent[1]:
                ratios[f"{name}_cpu"] = round(spent[0] / spent[1], 3)
        return ratios

    def pgbench(self, dataset: database.Dataset) -> None:
        log("pgbench: the same SELECT, no HTTP")
        options = self.options
        # PostgreSQL's CPU is not measured here: pgbench's backends exit with it, and the
        # CPU of exited processes cannot be told apart from the rest of the server's.
        meter = CpuMeter(None, None)
        result = pgbench.run(
            dataset.url,
            dataset.max_player_id,
            options.connections,
            options.threads,
            options.seconds,
        )
        cpu = meter.stop()
        self.results["pgbench"] = {
            **result.as_dict(),
            "driver_cpu_share": round(cpu.driver / options.seconds, 3),
        }
        read = self.results.get("service", {}).get("get_player", {}).get("rps")
        if read:
            self.results.setdefault("ratios", {})["read_vs_pgbench"] = round(read / result.tps, 3)

    def wins(self, dataset: database.Dataset) -> None:
        """The floor's variants in alternating rounds, one server up at a time: idle pools
        would hold connections the next variant needs (max_connections)."""
        variants = SMOKE_WINS if self.options.smoke else WINS
        endpoint = BY_KEY["get_player"]
        params = {"players": str(dataset.max_player_id)}
        targets = [Target(f"floor variant: {name}") for name, _ in variants]
        for _ in range(self.options.rounds):
            for (_, flags), target in zip(variants, targets, strict=True):
                if endpoint.key in target.problems:
                    continue
                with ExitStack() as stack:
                    target.server = self.floor(stack, dataset.url, flags)
                    if self.prepare(target, endpoint, params):
                        self.measure(target, endpoint, params, self.options.wins_seconds)
        rows = []
        for (name, flags), target in zip(variants, targets, strict=True):
            row = target.row(endpoint) or {PROBLEM: "not measured"}
            rows.append({"variant": name, "flags": list(flags), **row})
        baseline = rows[0].get("rps")
        for row in rows:
            if baseline and row.get("rps"):
                row["vs_baseline"] = round(row["rps"] / baseline, 3)
        self.results["wins"] = rows

    def scaling_http(self, url: str, players: int) -> dict[str, LoadResult | None]:
        """A short wrk run per case against the service serving this size. Deep pages are
        left to EXPLAIN: at a million players one takes longer than the run."""
        cases = {
            "leaderboard, top page": (BY_KEY["leaderboard"], {"skip": "0"}),
            "rank, random players": (BY_KEY["rank"], {}),
        }
        results: dict[str, LoadResult | None] = {}
        with ExitStack() as stack:
            base_url = self.service(stack, url, 1).base_url
            for name, (endpoint, extra) in cases.items():
                params = {"players": str(players), **extra}
                problem = probe(base_url, endpoint, {"seed": self.seed, **params})
                if problem is not None:
                    self.problems.append(f"scaling, {players} players, {name}: {problem}")
                    results[name] = None
                    continue
                if self.options.warmup:
                    self.drive(base_url, endpoint, params, 1)
                results[name] = self.drive(base_url, endpoint, params, self.options.scaling_seconds)
                # wrk leaves requests queued in the service; the next case starts after them.
                processes.wait_idle(base_url)
        return results

    def scaling(self, server_url: str) -> None:
        rows = scaling.measure(server_url, list(self.options.scaling), self.scaling_http, log)
        self.results["scaling"] = [row.as_dict() for row in rows]

    # The whole run

    def run(self) -> dict[str, object]:
        options = self.options
        self.results.update(
            {
                "mode": "smoke" if options.smoke else "full",
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine.describe(),
                "load_average_at_start": machine.load_average(),
                "settings": {
                    "connections": options.connections,
                    "wrk_threads": options.threads,
                    "driver": options.driver,
                    "seconds_per_run": options.seconds,
                    "rounds": options.rounds,
                    "warmup_seconds": options.warmup,
                    "pool_min_size": options.pool_min,
                    "pool_max_size": options.pool_max,
                },
            }
        )
        if self.results["load_average_at_start"] > 1:
            log(
                f"the machine is busy (load average {self.results['load_average_at_start']}): "
                "expect noisy numbers"
            )
        if options.database_url:
            server_url = options.database_url
        else:
            log(f"embedded PostgreSQL in {options.pg_dir.relative_to(PROJECT_ROOT)}")
            server_url = database.embedded_server(options.pg_dir)
            self.postmaster = postmaster_pid(options.pg_dir)
        dataset = self.dataset(server_url)
        self.results["postgres"] = database.server_facts(dataset.url)

        phases: list[tuple[str, Callable[[], None]]] = [
            ("endpoints", lambda: self.endpoints(dataset))
        ]
        if options.pgbench:
            phases.append(("pgbench", lambda: self.pgbench(dataset)))
        if options.wins_seconds:
            phases.append(("known wins", lambda: self.wins(dataset)))
        if options.scaling:
            phases.append(("scaling", lambda: self.scaling(server_url)))
        for name, phase in phases:
            try:
                phase()
            except (
                LoadError,
                ServerError,
                pgbench.PgbenchError,
                database.BenchDatabaseError,
            ) as error:
                self.problems.append(f"{name}: {error}")
                log(f"{name} failed: {error}")

        self.results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.results["load_average_at_end"] = machine.load_average()
        if not options.smoke:  # the smoke asserts no timing
            self.results["targets"] = self.targets()
        self.collect_problems()
        self.results["problems"] = self.problems
        return self.results

    def targets(self) -> list[dict[str, object]]:
        """Issue 5's targets, against the numbers measured above."""
        targets: list[dict[str, object]] = []
        ratios = self.results.get("ratios", {})
        for name in ("read", "insert"):
            if ratios.get(name) is not None:
                targets.append(
                    {
                        "target": f"{name} rate, service / floor (a), 0.85 or more",
                        "measured": ratios[name],
                        "met": ratios[name] >= 0.85,
                    }
                )
        for row in self.results.get("service", {}).values():
            if PROBLEM in row:
                targets.append(
                    {"target": f"{row['label']}", "measured": row[PROBLEM], "met": False}
                )
                continue
            targets.append(
                {
                    "target": f"{row['label']}: p99 under 50 ms",
                    "measured": row["p99_ms"],
                    "met": row["p99_ms"] < 50,
                }
            )
            targets.append(
                {
                    "target": f"{row['label']}: no errors",
                    "measured": row["errors"],
                    "met": not row["errors"],
                }
            )
        return targets

    def collect_problems(self) -> None:
        """What makes the run fail (the smoke's only assertions): an endpoint missing or
        answering with errors, anywhere in the run."""
        rows: list[tuple[str, dict]] = []
        rows += [("service", row) for row in self.results.get("service", {}).values()]
        rows += [("floor", row) for row in self.results.get("floor", {}).values()]
        rows += [(f"--workers {n}", row) for n, row in self.results.get("workers", {}).items()]
        rows += [("floor variant", row) for row in self.results.get("wins", [])]
        for where, row in rows:
            if row is None:
                continue
            label = row.get("variant") or row.get("label")
            if PROBLEM in row:
                self.problems.append(f"{where}, {label}: {row[PROBLEM]}")
            elif row.get("errors"):
                self.problems.append(f"{where}, {label}: {row['errors']} errors")
        for key in self.options.endpoints:
            if key not in self.results.get("service", {}) and "endpoints" not in str(self.problems):
                self.problems.append(f"service, {BY_KEY[key].label}: not measured")
        pg = self.results.get("pgbench")
        if pg and pg["failed"]:
            self.problems.append(f"pgbench: {pg['failed']} failed transactions")
        for row in self.results.get("scaling", []):
            for name, result in row["http"].items():
                if result and result["errors"]:
                    self.problems.append(
                        f"scaling, {row['players']} players, {name}: {result['errors']} errors"
                    )
