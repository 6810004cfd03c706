"""What the numbers were measured on: the machine, the software, the code's commit."""

import os
import platform
import subprocess
from importlib import metadata

from socialproof import PROJECT_ROOT


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _command(*args: str) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, cwd=PROJECT_ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = (done.stdout or done.stderr).strip()
    return output.splitlines()[0] if done.returncode == 0 and output else None


def tool_version(path: str | None) -> str | None:
    """The first line a tool prints about itself (wrk prints it and exits 1)."""
    if path is None:
        return None
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    output = (done.stdout or done.stderr).strip()
    return output.splitlines()[0] if output else None


def load_average() -> float:
    """The 1-minute load average: other work on the machine skews every number."""
    return round(os.getloadavg()[0], 2)


def describe() -> dict[str, object]:
    versions = {}
    for package in ("aiohttp", "asyncpg", "orjson", "uvloop", "attrs", "cattrs"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    dirty = _command("git", "status", "--porcelain", "--untracked-files=no")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "commit": _command("git", "rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(dirty),
    }
