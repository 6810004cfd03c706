"""The load generators, each run on a script written to a temporary folder, its summary read
back as a Run: wrk on bench/lua/common.lua and a route's script, against a server; and floor
(b), pgbench on the service's primary-key SELECT with random ids, no HTTP and no Python in the
way: what PostgreSQL itself does on this machine with the same clients."""

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH_DIR
from socialproof import pgserver
from socialproof.sqlfiles import SQL

SUMMARY = "BENCH_JSON "  # common.lua's done() prints one line starting with it


class LoadError(RuntimeError):
    """wrk or pgbench is missing, failed, or printed no summary; the message says which."""


@dataclass(frozen=True)
class Run:
    """One run of a load generator; bench/measure.py adds the CPU seconds a wrk run cost the
    server under test (all its processes, its pgbouncer's included) and PostgreSQL."""

    requests: int
    seconds: float
    #: Responses of status 400 or more, and socket errors; pgbench's failed transactions.
    errors: int
    p50_ms: float
    p99_ms: float
    app_cpu: float = 0.0
    postgres_cpu: float = 0.0
    load_average: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise LoadError(
            "wrk is not installed: `sudo apt-get install wrk` (Debian, Ubuntu), "
            "`brew install wrk` (macOS)"
        )


def _run(command: list[str], seconds: int) -> tuple[int, str]:
    """A load generator's exit status and output (stdout and stderr), a minute's grace."""
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=seconds + 60
    )
    return done.returncode, done.stdout


def wrk(
    base_url: str, script: str, params: dict[str, str], connections: int, threads: int, seconds: int
) -> Run:
    """`seconds` of wrk against `base_url`; `params` reach the script as key=value."""
    lua = BENCH_DIR / "lua"
    source = (lua / "common.lua").read_text() + "\n" + (lua / f"{script}.lua").read_text()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        path = Path(tmp) / f"{script}.lua"
        path.write_text(source)
        command = ["wrk", f"--threads={threads}", f"--connections={connections}", "--timeout=5s"]
        command += [f"--duration={max(1, seconds)}s", f"--script={path}", base_url, "--"]
        command += [f"{key}={value}" for key, value in {**params, "threads": str(threads)}.items()]
        status, output = _run(command, seconds)
    lines = [line for line in output.splitlines() if line.startswith(SUMMARY)]
    if status != 0 or not lines:
        raise LoadError(f"wrk exited with {status} and no summary:\n{output}")
    summary = json.loads(lines[0].removeprefix(SUMMARY))
    return Run(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        errors=sum(summary[kind] for kind in ("status", "connect", "read", "write", "timeout")),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
    )


def pgbench(database_url: str, players: int, clients: int, threads: int, seconds: int) -> Run:
    """bench/sql/get_player.pgbench, then the service's statement with $1 written :id, run by
    the embedded server's own pgbench (same major version), else the one on PATH."""
    embedded = pgserver.embedded_bin_dir() / "pgbench"
    binary = str(embedded) if embedded.is_file() else shutil.which("pgbench")
    if binary is None:
        raise LoadError("pgbench not found: it ships with PostgreSQL (postgresql-client)")
    header = (BENCH_DIR / "sql" / "get_player.pgbench").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        script = Path(tmp) / "get_player.pgbench"
        script.write_text(header + SQL["players/get_by_id"].replace("$1", ":id") + "\n")
        # --protocol=prepared: as asyncpg prepares it. A tenth of the transactions are logged.
        command = [binary, "--no-vacuum", "--protocol=prepared", f"--client={clients}"]
        command += [f"--jobs={threads}", f"--time={seconds}", f"--define=players={players}"]
        command += [f"--file={script}", "--log", "--sampling-rate=0.1"]
        command += [f"--log-prefix={Path(tmp) / 'tx'}", database_url]
        status, output = _run(command, seconds)
        # Each log line: client, transaction, latency in microseconds, ...
        latencies = sorted(
            int(line.split()[2]) for log in Path(tmp).glob("tx*") for line in log.open()
        )
    tps = re.search(r"^tps = ([\d.]+)", output, re.MULTILINE)
    processed = re.search(r"actually processed: (\d+)", output)
    if status != 0 or not (latencies and tps and processed):
        raise LoadError(f"pgbench exited with {status}:\n{output}")
    failed = re.search(r"number of failed transactions: (\d+)", output)
    transactions = int(processed.group(1))
    return Run(
        requests=transactions,
        seconds=transactions / float(tps.group(1)),  # so that its rate is pgbench's own tps
        errors=int(failed.group(1)) if failed else 0,
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[len(latencies) * 99 // 100] / 1000,
    )
