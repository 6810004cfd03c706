"""Floor (b): pgbench running the service's primary-key SELECT with random ids, no HTTP and no
Python in the way: what PostgreSQL itself does on this machine with the same clients."""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH_DIR
from socialproof import SQL_DIR, pgserver


class PgbenchError(RuntimeError):
    """pgbench is missing, or failed; the message carries its output."""


@dataclass(frozen=True)
class Pgbench:
    tps: float
    transactions: int
    failed: int
    #: From a tenth of the transactions, as pgbench logs them.
    p50_ms: float
    p99_ms: float


def _binary() -> str:
    """The embedded server's own pgbench (same major version), else the one on PATH."""
    embedded = pgserver.embedded_bin_dir() / "pgbench"
    if embedded.is_file():
        return str(embedded)
    if found := shutil.which("pgbench"):
        return found
    raise PgbenchError("pgbench not found: it ships with PostgreSQL (postgresql-client)")


def _script() -> str:
    """bench/sql/get_player.pgbench, then the service's statement with $1 written :id."""
    statement = (SQL_DIR / "players" / "get_by_id.sql").read_text(encoding="utf-8").strip()
    header = (BENCH_DIR / "sql" / "get_player.pgbench").read_text(encoding="utf-8")
    return header + statement.replace("$1", ":id") + "\n"


def run(database_url: str, players: int, clients: int, threads: int, seconds: int) -> Pgbench:
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        script = Path(tmp) / "get_player.pgbench"
        script.write_text(_script())
        command = [
            _binary(),
            "--no-vacuum",
            "--protocol=prepared",  # as asyncpg prepares it
            f"--client={clients}",
            f"--jobs={threads}",
            f"--time={seconds}",
            f"--define=players={players}",
            f"--file={script}",
            "--log",
            "--sampling-rate=0.1",
            f"--log-prefix={Path(tmp) / 'tx'}",
            database_url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
        output = done.stdout + done.stderr
        # Each log line: client, transaction, latency in microseconds, ...
        latencies = sorted(
            int(line.split()[2]) for log in Path(tmp).glob("tx*") for line in log.open()
        )
    tps = re.search(r"^tps = ([\d.]+)", output, re.MULTILINE)
    processed = re.search(r"actually processed: (\d+)", output)
    if done.returncode != 0 or not (latencies and tps and processed):
        raise PgbenchError(f"pgbench exited with {done.returncode}:\n{output}")
    failed = re.search(r"number of failed transactions: (\d+)", output)
    return Pgbench(
        tps=float(tps.group(1)),
        transactions=int(processed.group(1)),
        failed=int(failed.group(1)) if failed else 0,
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[len(latencies) * 99 // 100] / 1000,
    )
