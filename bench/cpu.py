"""CPU time spent per request, by the server under test, by PostgreSQL and by the load driver.

Rates on a shared 2-core machine move with whatever else runs; CPU time per request moves far
less, so it is the steadier measure of what our own code costs next to the floor's.
"""

import resource
from dataclasses import dataclass
from pathlib import Path

import psutil


def _tree_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process and its live descendants (the service's
    workers), 0 when it is gone."""
    if pid is None:
        return 0.0
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _children_seconds() -> float:
    """CPU seconds of this process's children that have been waited for: a finished wrk."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def postmaster_pid(data_dir: Path | None) -> int | None:
    """The embedded server's postmaster, whose children are all of its backends."""
    if data_dir is None:
        return None
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class CpuSample:
    server: float
    postgres: float
    driver: float


class CpuMeter:
    """Snapshots around one load run; `stop()` gives the CPU seconds each side spent."""

    def __init__(self, server_pid: int | None, postmaster: int | None) -> None:
        self.server_pid = server_pid
        self.postmaster = postmaster
        self._start = self._now()

    def _now(self) -> CpuSample:
        return CpuSample(
            _tree_seconds(self.server_pid), _tree_seconds(self.postmaster), _children_seconds()
        )

    def stop(self) -> CpuSample:
        end = self._now()
        return CpuSample(
            end.server - self._start.server,
            end.postgres - self._start.postgres if self.postmaster else 0.0,
            end.driver - self._start.driver,
        )
