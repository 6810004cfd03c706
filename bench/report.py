"""The report: a run's results as Markdown with its charts, and as JSON."""

import shutil
from pathlib import Path

import orjson

from bench import charts
from bench.measure import Row
from bench.records import FLOOR, SERVICE, Report, of_floor
from bench.targets import ROUTES


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


def _others(report: Report) -> list[str]:
    """The targets beside the service but floor (a): their rows and their ratios."""
    vs: dict[tuple[str, str], list[str]] = {}
    for ratio in report.ratios:
        cpu = f", CPU {ratio.cpu:.2f}" if ratio.cpu else ""
        vs.setdefault((ratio.ours, ratio.route), []).append(
            f"{ratio.median:.2f} of {ratio.theirs}{cpu}"
        )
    rows = [
        [row.target, row.route, *_load_cells(row), "; ".join(vs.get((row.target, row.route), []))]
        for row in report.endpoints
        if row.target not in (SERVICE, FLOOR)
    ]
    return _table(["target", "route", *LOAD, "rate (app CPU) vs"], rows) if rows else []


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
        if others := _others(report):
            lines += ["", "## Other targets", "", *others]
        if report.absent:
            lines += ["", "Left out, as this machine cannot serve them:", ""]
            lines += [f"- {absent}" for absent in report.absent]
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
    latest = report.options.results_dir / f"{mode}-latest"
    shutil.rmtree(latest, ignore_errors=True)
    shutil.copytree(folder, latest)
    return folder, text
