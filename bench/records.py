"""A run's results as typed records: what the report, the charts and the JSON are made of."""

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.dataset import Dataset
from bench.measure import Ratio, Row
from bench.options import Options
from bench.pgbench import Pgbench
from bench.studies.scaling import Scale
from bench.targets import ROUTES, TARGETS
from socialproof import PROJECT_ROOT

SERVICE, FLOOR = TARGETS[0].name, TARGETS[1].name


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=PROJECT_ROOT)
    return done.stdout.strip()


@dataclass(frozen=True)
class Machine:
    cpus: int | None
    cpu_model: str
    memory_gib: float
    kernel: str
    python: str
    commit: str

    @classmethod
    def here(cls) -> "Machine":
        cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line
        ]
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        commit = _git("rev-parse", "--short", "HEAD")
        if _git("status", "--porcelain", "--untracked-files=no"):
            commit += " with uncommitted changes"
        return cls(
            os.cpu_count(),
            models[0] if models else platform.processor(),
            round(memory, 1),
            platform.release(),
            platform.python_version(),
            commit,
        )


@dataclass
class Report:
    options: Options
    machine: Machine = field(default_factory=Machine.here)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat("T", "seconds"))
    postgres: dict[str, str] = field(default_factory=dict)
    dataset: Dataset | None = None
    #: Every route on every target, the service's first.
    endpoints: list[Row] = field(default_factory=list)
    #: Service / each other target, per route.
    ratios: list[Ratio] = field(default_factory=list)
    pgbench: Pgbench | None = None
    wins: list[Row] = field(default_factory=list)
    #: Each variant / the floor's baseline.
    wins_ratios: list[Ratio] = field(default_factory=list)
    scaling: list[Scale] = field(default_factory=list)
    #: Targets this machine cannot serve, each with why.
    absent: list[str] = field(default_factory=list)
    #: What makes the run fail: a part that could not run, any errors answered.
    problems: list[str] = field(default_factory=list)

    def check(self) -> None:
        """The smoke's only assertions: no errors anywhere, a sound dataset."""
        rows = self.endpoints + self.wins + [row for s in self.scaling for row in s.http.values()]
        for row in rows:
            if row.errors:
                self.problems.append(
                    f"{row.target}, {row.route}: {row.errors:,} errors in {row.requests:,} requests"
                )
            if not row.requests:
                self.problems.append(f"{row.target}, {row.route}: no request answered")
        if self.dataset and any(self.dataset.inconsistencies.values()):
            self.problems.append(f"inconsistent dataset: {self.dataset.inconsistencies}")
        if self.pgbench and self.pgbench.failed:
            self.problems.append(f"pgbench: {self.pgbench.failed} failed transactions")


@dataclass(frozen=True)
class OfFloor:
    """A service route's rate as a fraction of its floor (a) route's."""

    fraction: float
    floor: str
    #: True for the routes the floor serves too: the median of alternating rounds' ratios;
    #: otherwise the ratio of the two routes' rates over the run.
    alternated: bool


def of_floor(report: Report) -> dict[str, OfFloor]:
    """By service route label."""
    label = {route.key: route.label for route in ROUTES}
    floors = {row.route: row for row in report.endpoints if row.target == FLOOR}
    service = {row.route: row for row in report.endpoints if row.target == SERVICE}
    medians = {
        ratio.route: ratio.median
        for ratio in report.ratios
        if (ratio.ours, ratio.theirs) == (SERVICE, FLOOR)
    }
    fractions = {}
    for route in ROUTES:
        ours, floor = service.get(route.label), floors.get(label[route.floor])
        if ours and floor and floor.rps:
            if route.label in medians:
                fractions[route.label] = OfFloor(medians[route.label], floor.route, True)
            else:
                fractions[route.label] = OfFloor(round(ours.rps / floor.rps, 3), floor.route, False)
    return fractions
