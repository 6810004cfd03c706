"""Driving load: wrk with the Lua scripts in bench/lua, or the Python driver, each in a
process of its own, and what they measured."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import LUA_DIR
from socialproof import PROJECT_ROOT

MARKER = "BENCH_JSON "


class LoadError(RuntimeError):
    """The load driver failed to run or to report; the message carries its output."""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    #: Responses with a status other than the endpoint's (wrk: any status >= 400).
    status_errors: int
    #: Connect, read and write errors and timeouts.
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    driver: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rps": round(self.rps, 1), "errors": self.errors}

    @classmethod
    def from_summary(cls, summary: dict[str, float], driver: str) -> "LoadResult":
        """From the JSON line both drivers print (latencies in microseconds)."""
        return cls(
            requests=int(summary["requests"]),
            seconds=summary["duration_us"] / 1e6,
            status_errors=int(summary["status"]),
            socket_errors=int(
                summary["connect"] + summary["read"] + summary["write"] + summary["timeout"]
            ),
            p50_ms=summary["p50_us"] / 1000,
            p90_ms=summary["p90_us"] / 1000,
            p99_ms=summary["p99_us"] / 1000,
            mean_ms=summary["mean_us"] / 1000,
            max_ms=summary["max_us"] / 1000,
            driver=driver,
        )


def _summary(output: str) -> dict[str, float]:
    for line in output.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise LoadError(f"the load driver printed no summary:\n{output}")


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    base_url: str,
    script: str,
    params: dict[str, str],
    connections: int,
    threads: int,
    seconds: float,
) -> LoadResult:
    """wrk against `base_url` with bench/lua/common.lua + bench/lua/<script>.lua."""
    wrk = wrk_path()
    if wrk is None:
        raise LoadError("wrk is not installed")
    threads = max(1, min(threads, connections))
    source = (LUA_DIR / "common.lua").read_text() + "\n" + (LUA_DIR / f"{script}.lua").read_text()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script_path = Path(tmp) / f"{script}.lua"
        script_path.write_text(source)
        args = {**params, "threads": str(threads)}
        command = [
            wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=5s",
            f"--script={script_path}",
            base_url,
            "--",
            *(f"{key}={value}" for key, value in args.items()),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise LoadError(f"wrk exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return LoadResult.from_summary(_summary(done.stdout + done.stderr), "wrk")


def run_python(
    base_url: str,
    endpoint: str,
    expected_status: int,
    params: dict[str, str],
    connections: int,
    seconds: float,
) -> LoadResult:
    """The Python driver (bench/driver.py) in a process of its own."""
    command = [
        sys.executable,
        "-m",
        "bench.driver",
        base_url,
        endpoint,
        *(f"{key}={value}" for key, value in params.items()),
        f"--status={expected_status}",
        f"--connections={connections}",
        f"--seconds={seconds}",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    if done.returncode != 0:
        raise LoadError(f"the Python driver exited with {done.returncode}:\n{done.stderr}")
    return LoadResult.from_summary(_summary(done.stdout), "python")
