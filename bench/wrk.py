"""wrk, the load generator: run with bench/lua/common.lua and a route's script, its summary
read back."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH_DIR

LUA_DIR = BENCH_DIR / "lua"
SUMMARY = "BENCH_JSON "  # common.lua's done() prints one line starting with it


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no summary; the message says which."""


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    #: Responses of status 400 or more, and connect, read, write and timeout errors.
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require() -> None:
    if shutil.which("wrk") is None:
        raise WrkError(
            "wrk is not installed: `sudo apt-get install wrk` (Debian, Ubuntu), "
            "`brew install wrk` (macOS)"
        )


def run(
    base_url: str, script: str, params: dict[str, str], connections: int, threads: int, seconds: int
) -> Load:
    """`seconds` of wrk against `base_url`; `params` reach the script as key=value."""
    source = (LUA_DIR / "common.lua").read_text() + "\n" + (LUA_DIR / f"{script}.lua").read_text()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script_path = Path(tmp) / f"{script}.lua"
        script_path.write_text(source)
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, seconds)}s",
            "--timeout=5s",
            f"--script={script_path}",
            base_url,
            "--",
            *(f"{key}={value}" for key, value in {**params, "threads": str(threads)}.items()),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    output = done.stdout + done.stderr
    lines = [line for line in output.splitlines() if line.startswith(SUMMARY)]
    if done.returncode != 0 or not lines:
        raise WrkError(f"wrk exited with {done.returncode} and no summary:\n{output}")
    summary = json.loads(lines[0].removeprefix(SUMMARY))
    return Load(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        errors=sum(summary[kind] for kind in ("status", "connect", "read", "write", "timeout")),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
    )
