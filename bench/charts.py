"""The report's two charts: each route's rate as a fraction of its floor with its p99, and
the scaling curves."""

from pathlib import Path

# Figure itself, not pyplot: files only, no display and no global state.
from matplotlib.figure import Figure

from bench.records import OfFloor
from bench.studies.scaling import Scale


def routes(fractions: dict[str, OfFloor], p99_ms: dict[str, float], path: Path) -> None:
    """One bar per route: its rate over floor (a)'s for the same kind of request (1.0 would
    be the floor itself), labelled with the route's p99."""
    labels = list(fractions)[::-1]  # the first route on top
    values = [fractions[label].fraction for label in labels]
    colors = ["#1f4e8c" if fractions[label].alternated else "#8fb0d9" for label in labels]
    figure = Figure(figsize=(9, 0.5 * len(labels) + 1.8), layout="tight")
    axes = figure.subplots()
    bars = axes.barh(labels, values, color=colors)
    axes.axvline(1.0, color="#555555", linestyle="--", linewidth=1)
    for bar, label in zip(bars, labels, strict=True):
        floor = "read" if fractions[label].floor.startswith("GET") else "insert"
        text = f" {bar.get_width():.2f} of the floor's {floor}, p99 {p99_ms[label]:.1f} ms"
        axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, text, va="center")
    axes.set_xlim(0, max(1.1, max(values) * 1.8))
    axes.set_xlabel(
        "service req/s ÷ floor (a) req/s; dark: the same request, median of alternating rounds"
    )
    axes.set_title("Each route's rate as a fraction of its floor")
    figure.savefig(path, dpi=120)


def scaling(scales: list[Scale], path: Path) -> None:
    """EXPLAIN's median time per case, and the service's req/s over HTTP, against players."""
    players = [scale.players for scale in scales]
    figure = Figure(figsize=(12, 4.5), layout="tight")
    explain, http = figure.subplots(1, 2)
    for case in scales[0].explain_ms:
        explain.plot(players, [s.explain_ms[case] for s in scales], marker="o", label=case)
    explain.set(xscale="log", yscale="log", xlabel="players", ylabel="ms (EXPLAIN ANALYZE)")
    explain.set_title("The statements alone")
    for case in scales[0].http:
        rows = [s.http[case] for s in scales]
        line = http.plot(players, [r.rps for r in rows], marker="o", label=case)[0]
        for x, row in zip(players, rows, strict=True):
            http.annotate(
                f"p99 {row.p99_ms:.0f} ms",
                (x, row.rps),
                color=line.get_color(),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize=8,
            )
    http.set(xscale="log", xlabel="players", ylabel="req/s")
    for axes in (explain, http):
        axes.set_xticks(players, [f"{n:,}" for n in players])
        axes.minorticks_off()
    http.set_ylim(bottom=0)
    http.set_title("The service over HTTP")
    for axes in (explain, http):
        axes.legend(fontsize=8)
        axes.grid(True, which="major", alpha=0.3)
    figure.savefig(path, dpi=120)
