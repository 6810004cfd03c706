"""CPU time spent per request, by the server under test, by PostgreSQL and by the load driver.

Rates on a shared 2-core machine move with whatever else runs; CPU time per request moves far
less, so it is the steadier measure of what our own code costs next to the floor's.
"""

import resource
from dataclasses import dataclass
from pathlib import Path

import psutil


def _tree(pid: int | None, skip: str | None = None) -> dict[int, float]:
    """User + system CPU seconds of a process and of each live descendant, by pid; those
    whose command line contains `skip` are left out."""
    if pid is None:
        return {}
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {}
    seconds = {}
    for process in processes:
        try:
            if skip and skip in " ".join(process.cmdline()):
                continue
            times = process.cpu_times()
        except psutil.Error:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _spent(start: dict[int, float], end: dict[int, float]) -> float:
    """CPU spent between two snapshots by the processes alive at the end (one that started
    in between counts whole; one that exited in between is lost, never negative)."""
    return sum(max(0.0, seconds - start.get(pid, 0.0)) for pid, seconds in end.items())


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
    """Snapshots around one load run; `stop()` gives the CPU seconds each side spent.

    PostgreSQL's side is every process of the server but autovacuum's workers, which come
    and go on their own schedule and would land on whichever run they overlap.
    """

    def __init__(self, server_pid: int | None, postmaster: int | None) -> None:
        self.server_pid = server_pid
        self.postmaster = postmaster
        self._server = _tree(server_pid)
        self._postgres = _tree(postmaster, skip="autovacuum")
        self._driver = _children_seconds()

    def stop(self) -> CpuSample:
        return CpuSample(
            _spent(self._server, _tree(self.server_pid)),
            _spent(self._postgres, _tree(self.postmaster, skip="autovacuum")),
            _children_seconds() - self._driver,
        )
