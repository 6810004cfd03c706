"""The report: a run's results as typed records, written as Markdown with two charts (each
route's rate as a fraction of its floor with its p99, and the scaling curves) and as JSON."""

import os
import platform
import re
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

# Figure itself, not pyplot: files only, no display and no global state.
from matplotlib.figure import Figure

from bench.dataset import Dataset
from bench.measure import Ratio, Row
from bench.options import Options
from bench.studies import Scale
from bench.targets import ROUTE, ROUTES, TARGETS
from socialproof import PROJECT_ROOT

SERVICE, FLOOR = TARGETS[0].name, TARGETS[1].name


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
        cpuinfo = Path("/proc/cpuinfo")
        models = re.findall(r"model name\s*: (.*)", cpuinfo.read_text() if cpuinfo.exists() else "")
        model = models[0].strip() if models else platform.processor()
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        commit = _git("rev-parse", "--short", "HEAD")
        if _git("status", "--porcelain", "--untracked-files=no"):
            commit += " with uncommitted changes"
        kernel, python = platform.release(), platform.python_version()
        return cls(os.cpu_count(), model, memory, kernel, python, commit)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=PROJECT_ROOT)
    return done.stdout.strip()


@dataclass
class Report:
    options: Options
    machine: Machine = field(default_factory=Machine.here)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat("T", "seconds"))
    postgres: dict[str, str] = field(default_factory=dict)
    dataset: Dataset | None = None
    #: Every route on every target, the service's first.
    endpoints: list[Row] = field(default_factory=list)
    #: Each target over those it names in `vs`, per route.
    ratios: list[Ratio] = field(default_factory=list)
    #: Floor (b), pgbench on the service's SELECT.
    pgbench: Row | None = None
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
        rows = self.endpoints + self.wins + [r for s in self.scaling for r in s.http.values()]
        for row in rows + ([self.pgbench] if self.pgbench else []):
            where, errors, requests = f"{row.target}, {row.route}", row.errors, row.requests
            if errors:
                self.problems.append(f"{where}: {errors:,} errors in {requests:,} requests")
            if not requests:
                self.problems.append(f"{where}: no request answered")
        if self.dataset and any(self.dataset.inconsistencies.values()):
            self.problems.append(f"inconsistent dataset: {self.dataset.inconsistencies}")

    def row(self, target: str, route: str) -> Row | None:
        return next((r for r in self.endpoints if (r.target, r.route) == (target, route)), None)


@dataclass(frozen=True)
class OfFloor:
    """A service route's rate as a fraction of its floor (a) route's, and the route's p99.
    Alternated (the floor serves the same route): the median of the rounds' ratios; otherwise
    the ratio of the two rates over the run."""

    fraction: float
    floor: str
    alternated: bool
    p99_ms: float


def of_floor(report: Report) -> dict[str, OfFloor]:
    """By service route label."""
    medians = {r.route: r.median for r in report.ratios if (r.ours, r.theirs) == (SERVICE, FLOOR)}
    fractions = {}
    for route in ROUTES:
        ours, floor = report.row(SERVICE, route.label), report.row(FLOOR, ROUTE[route.floor].label)
        if ours and floor and floor.rps:
            alternated = route.label in medians
            fraction = medians[route.label] if alternated else round(ours.rps / floor.rps, 3)
            fractions[route.label] = OfFloor(fraction, floor.route, alternated, ours.p99_ms)
    return fractions


def routes_chart(fractions: dict[str, OfFloor], path: Path) -> None:
    """One bar per route: its rate over floor (a)'s for the same kind of request (1.0 would
    be the floor itself), labelled with the route's p99."""
    labels = list(fractions)[::-1]  # the first route on top
    bars = [fractions[label] for label in labels]
    figure = Figure(figsize=(9, 0.5 * len(labels) + 1.8), layout="tight")
    axes = figure.subplots()
    colors = ["#1f4e8c" if bar.alternated else "#8fb0d9" for bar in bars]
    axes.barh(labels, [bar.fraction for bar in bars], color=colors)
    axes.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
    for y, bar in enumerate(bars):
        floor = "read" if bar.floor.startswith("GET") else "insert"
        text = f" {bar.fraction:.2f} of the floor's {floor}, p99 {bar.p99_ms:.1f} ms"
        axes.text(bar.fraction, y, text, va="center")
    axes.set_xlim(0, max(1.1, max(bar.fraction for bar in bars) * 1.8))
    axes.set_xlabel(
        "service req/s ÷ floor (a) req/s; dark: the same request, median of alternating rounds"
    )
    axes.set_title("Each route's rate as a fraction of its floor")
    figure.savefig(path, dpi=120)


def scaling_chart(scales: list[Scale], path: Path) -> None:
    """EXPLAIN's median time per case, and the service's req/s over HTTP (each point with its
    p99 beside it), against players."""
    players = [scale.players for scale in scales]
    figure = Figure(figsize=(12, 4.5), layout="tight")
    explain, http = figure.subplots(1, 2)
    for case in scales[0].explain_ms:
        explain.plot(players, [s.explain_ms[case] for s in scales], marker="o", label=case)
    explain.set(yscale="log", ylabel="ms (EXPLAIN ANALYZE)", title="The statements alone")
    for case in scales[0].http:
        rows = [s.http[case] for s in scales]
        color = http.plot(players, [r.rps for r in rows], marker="o", label=case)[0].get_color()
        for x, row in zip(players, rows, strict=True):
            note = f"p99 {row.p99_ms:.0f} ms"
            http.annotate(
                note, (x, row.rps), (4, 6), textcoords="offset points", color=color, fontsize=8
            )
    http.set(ylabel="req/s", ylim=(0, None), title="The service over HTTP")
    for axes in (explain, http):
        axes.set(xscale="log", xlabel="players")
        axes.set_xticks(players, [f"{n:,}" for n in players])
        axes.minorticks_off()
        axes.legend(fontsize=8)
        axes.grid(True, which="major", alpha=0.3)
    figure.savefig(path, dpi=120)


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, every cell already text."""
    lines = (header, ["---"] * len(header), *rows)
    return "\n".join(f"| {' | '.join(cells)} |" for cells in lines)


def _list(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


# The columns of a measured row.
LOAD = ["req/s", "p50 ms", "p99 ms", "errors", "app CPU µs", "PG CPU µs"]


def _load(row: Row) -> list[str]:
    cpu = [_n(row.app_cpu_us), _n(row.postgres_cpu_us)]
    return [_n(row.rps), _n(row.p50_ms, 2), _n(row.p99_ms, 2), _n(row.errors), *cpu]


def _endpoints(report: Report, fractions: dict[str, OfFloor]) -> str:
    """The service's rows with floor (a)'s and floor (b)'s, then every ratio."""
    rows = []
    for row in report.endpoints:
        if row.target == SERVICE:
            fraction = fractions.get(row.route)
            rows.append([row.route, *_load(row), _n(fraction and fraction.fraction, 2)])
        elif row.target == FLOOR:
            rows.append([f"floor (a): {row.route}", *_load(row), ""])
    if pg := report.pgbench:
        rows.append([pg.target, *_load(pg), ""])
    ratios = []
    for r in report.ratios:
        rounds = ", ".join(f"{each:.2f}" for each in r.rounds)
        cpu = f"; app CPU per request {r.cpu:.2f}" if r.cpu else ""
        ratios.append(
            f"{r.route}, {r.ours} / {r.theirs}: **{r.median:.2f}** (rounds {rounds}){cpu}"
        )
    read = ROUTES[0].label
    if pg and (service := report.row(SERVICE, read)):
        ratios.append(f"{read}, service / floor (b) pgbench: {service.rps / pg.rps:.3f}")
    return _table(["service, 1 worker", *LOAD, "of floor (a)"], rows) + "\n" + _list(ratios)


def _others(report: Report) -> list[str]:
    """The targets beside the service but floor (a): their rows and their ratios."""
    vs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in report.ratios:
        cpu = f", CPU {r.cpu:.2f}" if r.cpu else ""
        vs[r.ours, r.route].append(f"{r.median:.2f} of {r.theirs}{cpu}")
    rows = [
        [row.target, row.route, *_load(row), "; ".join(vs[row.target, row.route])]
        for row in report.endpoints
        if row.target not in (SERVICE, FLOOR)
    ]
    if not rows:
        return []
    return ["## Other targets", _table(["target", "route", *LOAD, "rate (app CPU) vs"], rows)]


def _wins(report: Report) -> str:
    vs = {ratio.ours: ratio.median for ratio in report.wins_ratios}
    vs[report.wins[0].target] = 1.0  # the baseline
    rows = [[row.target, _n(vs.get(row.target), 2), *_load(row)] for row in report.wins]
    return _table(["floor, GET /players/{id}", "vs baseline", *LOAD], rows)


def _scaling(scales: list[Scale]) -> list[str]:
    explain, http = list(scales[0].explain_ms), list(scales[0].http)
    explain_rows = [[_n(s.players), *(_n(s.explain_ms[c], 3) for c in explain)] for s in scales]
    http_rows = [
        [_n(s.players), *(f"{_n(s.http[c].rps)} ({_n(s.http[c].p99_ms, 1)} ms)" for c in http)]
        for s in scales
    ]
    return [
        "## Scaling: leaderboard and rank",
        "![leaderboard and rank against players](scaling.png)",
        "EXPLAIN (ANALYZE) of the service's statements, median ms:",
        _table(["players", *explain], explain_rows),
        "The service over HTTP: req/s (p99):",
        _table(["players", *http], http_rows),
    ]


def markdown(report: Report, fractions: dict[str, OfFloor]) -> str:
    """The report, paragraph by paragraph; it shows routes.png when there are `fractions`,
    scaling.png with scaling."""
    o, m, pg, data = report.options, report.machine, report.postgres, report.dataset
    paragraphs = [
        f"# SocialProof bench ({o.mode}), {report.started_at}",
        f"{m.cpus} CPUs ({m.cpu_model}), {m.memory_gib} GiB, Linux {m.kernel}, Python "
        f"{m.python}; PostgreSQL {pg.get('server_version', '?')} (shared_buffers "
        f"{pg.get('shared_buffers', '?')}, synchronous_commit "
        f"{pg.get('synchronous_commit', '?')}); code at {m.commit}.",
        f"wrk: {o.connections} connections, {o.threads} thread(s), {o.seconds} s a run after "
        f"{o.warmup} s of warm-up (reads); servers compared alternate in {o.rounds} rounds: "
        "req/s over all rounds, median p50, worst p99, a ratio is the median of the rounds'.",
    ]
    if data:
        paragraphs.append(
            f"Dataset: {data.players:,} players, {data.scenarios:,} scenarios "
            f"({data.played:.0%} played), loaded in {data.load_seconds} s."
        )
    if report.endpoints:
        paragraphs.append("## Endpoints")
        if fractions:
            paragraphs.append("![each route's rate as a fraction of its floor](routes.png)")
        paragraphs += [_endpoints(report, fractions), *_others(report)]
        if report.absent:
            paragraphs += ["Left out, as this machine cannot serve them:", _list(report.absent)]
    if report.wins:
        paragraphs += ["## Known wins, weighed on the floor", _wins(report)]
    if report.scaling:
        paragraphs += _scaling(report.scaling)
    if report.problems:
        paragraphs += ["## Problems", _list(report.problems)]
    return "\n\n".join(paragraphs) + "\n"


def write(report: Report) -> tuple[Path, str]:
    """A folder per run in the results directory (report.md, report.json, the charts), and a
    copy of it as <mode>-latest; the folder and the Markdown."""
    options = report.options
    stamp = report.started_at.replace(":", "").replace("-", "")[:15]
    folder = options.results_dir / f"{options.mode}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    if fractions := of_floor(report):
        routes_chart(fractions, folder / "routes.png")
    if report.scaling:
        scaling_chart(report.scaling, folder / "scaling.png")
    text = markdown(report, fractions)
    (folder / "report.md").write_text(text)
    json = orjson.dumps(report, default=str, option=orjson.OPT_INDENT_2)
    (folder / "report.json").write_bytes(json)
    latest = options.results_dir / f"{options.mode}-latest"
    shutil.rmtree(latest, ignore_errors=True)
    shutil.copytree(folder, latest)
    return folder, text
