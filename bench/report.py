"""The run's results as typed records, written as Markdown with charts, and as JSON."""

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import charts
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


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _load_cells(row: Row) -> list[str]:
    return [
        _n(row.rps),
        _n(row.p50_ms, 2),
        _n(row.p99_ms, 2),
        _n(row.errors),
        _n(row.app_cpu_us),
        _n(row.postgres_cpu_us),
    ]


LOAD = ["req/s", "p50 ms", "p99 ms", "errors", "app CPU µs", "PG CPU µs"]


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
    medians = {ratio.route: ratio.median for ratio in report.ratios if ratio.theirs == FLOOR}
    fractions = {}
    for route in ROUTES:
        ours, floor = service.get(route.label), floors.get(label[route.floor])
        if ours and floor and floor.rps:
            if route.label in medians:
                fractions[route.label] = OfFloor(medians[route.label], floor.route, True)
            else:
                fractions[route.label] = OfFloor(round(ours.rps / floor.rps, 3), floor.route, False)
    return fractions


def _endpoints(report: Report) -> list[str]:
    fractions = of_floor(report)
    rows = []
    for row in report.endpoints:
        if row.target == SERVICE:
            fraction = fractions.get(row.route)
            rows.append([row.route, *_load_cells(row), _n(fraction and fraction.fraction, 2)])
        elif row.target == FLOOR:
            rows.append([f"floor (a): {row.route}", *_load_cells(row), ""])
    if pg := report.pgbench:
        cells = [_n(pg.tps), _n(pg.p50_ms, 2), _n(pg.p99_ms, 2), _n(pg.failed), "-", "-", ""]
        rows.append(["floor (b): pgbench, the same SELECT", *cells])
    lines = _table(["service, 1 worker", *LOAD, "of floor (a)"], rows)
    for ratio in report.ratios:
        lines.append(
            f"- {ratio.route}, {ratio.ours} / {ratio.theirs}: **{ratio.median:.2f}** "
            f"(rounds {', '.join(f'{r:.2f}' for r in ratio.rounds)})"
            + (f"; app CPU per request {ratio.cpu:.2f}" if ratio.cpu else "")
        )
    read = ROUTES[0].label
    service_read = [r.rps for r in report.endpoints if r.target == SERVICE and r.route == read]
    if pg and service_read:
        lines.append(f"- {read}, service / floor (b) pgbench: {service_read[0] / pg.tps:.3f}")
    return lines


def _wins(report: Report) -> list[str]:
    vs = {ratio.ours: ratio.median for ratio in report.wins_ratios}
    vs[report.wins[0].target] = 1.0  # the baseline
    rows = [[row.target, _n(vs.get(row.target), 2), *_load_cells(row)] for row in report.wins]
    return _table(["floor, GET /players/{id}", "vs baseline", *LOAD], rows)


def _scaling(report: Report) -> list[str]:
    explain = list(report.scaling[0].explain_ms)
    rows = [[_n(s.players), *(_n(s.explain_ms[c], 3) for c in explain)] for s in report.scaling]
    lines = ["EXPLAIN (ANALYZE) of the service's statements, median ms:", ""]
    lines += _table(["players", *explain], rows)
    http = list(report.scaling[0].http)
    rows = [
        [_n(s.players), *(f"{_n(s.http[c].rps)} ({_n(s.http[c].p99_ms, 1)} ms)" for c in http)]
        for s in report.scaling
    ]
    lines += ["", "The service over HTTP: req/s (p99):", ""]
    return lines + _table(["players", *http], rows)


def markdown(report: Report, images: dict[str, str]) -> str:
    o, m, pg, data = report.options, report.machine, report.postgres, report.dataset
    lines = [
        f"# SocialProof bench ({'smoke' if o.smoke else 'full'}), {report.started_at}",
        "",
        f"{m.cpus} CPUs ({m.cpu_model}), {m.memory_gib} GiB, Linux {m.kernel}, Python "
        f"{m.python}; PostgreSQL {pg.get('server_version', '?')} (shared_buffers "
        f"{pg.get('shared_buffers', '?')}, synchronous_commit "
        f"{pg.get('synchronous_commit', '?')}); code at {m.commit}.",
        "",
        f"wrk: {o.connections} connections, {o.threads} thread(s), {o.seconds} s a run after "
        f"{o.warmup} s of warm-up (reads); servers compared alternate in {o.rounds} rounds: "
        "req/s over all rounds, median p50, worst p99, a ratio is the median of the rounds'.",
    ]
    if data:
        lines += [
            "",
            f"Dataset: {data.players:,} players, {data.scenarios:,} scenarios "
            f"({data.played:.0%} played), loaded in {data.load_seconds} s.",
        ]
    if report.endpoints:
        lines += ["", "## Endpoints", ""]
        if "routes" in images:
            lines += [f"![each route's rate as a fraction of its floor]({images['routes']})", ""]
        lines += _endpoints(report)
        others = [row for row in report.endpoints if row.target not in (SERVICE, FLOOR)]
        if others:
            vs = {(r.theirs, r.route): r for r in report.ratios}
            rows = [
                [row.target, row.route, *_load_cells(row), _n(vs[row.target, row.route].median, 2)]
                for row in others
                if (row.target, row.route) in vs
            ]
            lines += ["", "## Other targets", ""]
            lines += _table(["target", "route", *LOAD, "service / target"], rows)
    if report.wins:
        lines += ["", "## Known wins, weighed on the floor", "", *_wins(report)]
    if report.scaling:
        lines += ["", "## Scaling: leaderboard and rank", ""]
        if "scaling" in images:
            lines += [f"![leaderboard and rank against players]({images['scaling']})", ""]
        lines += _scaling(report)
    if report.problems:
        lines += ["", "## Problems", "", *(f"- {problem}" for problem in report.problems)]
    return "\n".join(lines) + "\n"


def write(report: Report) -> tuple[Path, str]:
    """A folder per run in the results directory (report.md, report.json, the charts), and a
    copy of it as <mode>-latest; the folder and the Markdown."""
    mode = "smoke" if report.options.smoke else "full"
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    folder = report.options.results_dir / f"{mode}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    images = {}
    if fractions := of_floor(report):
        p99 = {row.route: row.p99_ms for row in report.endpoints if row.target == SERVICE}
        charts.routes(fractions, p99, folder / "routes.png")
        images["routes"] = "routes.png"
    if report.scaling:
        charts.scaling(report.scaling, folder / "scaling.png")
        images["scaling"] = "scaling.png"
    text = markdown(report, images)
    (folder / "report.md").write_text(text)
    (folder / "report.json").write_bytes(
        orjson.dumps(report, default=str, option=orjson.OPT_INDENT_2)
    )
    shutil.copytree(folder, report.options.results_dir / f"{mode}-latest", dirs_exist_ok=True)
    return folder, text
