"""The run's results as Markdown (bench/results/*.md), JSON (*.json) and a short stdout table."""

from pathlib import Path
from typing import Any

import orjson


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _load_row(name: str, row: dict | None) -> list[str]:
    if not row:
        return [name, "-", "-", "-", "not run", "-", "-", "-"]
    if "problem" in row:
        return [name, "-", "-", "-", row["problem"], "-", "-", "-"]
    return [
        name,
        _num(row["rps"], 0),
        _num(row["p50_ms"], 2),
        _num(row["p99_ms"], 2),
        _num(row["errors"]),
        _num(row.get("server_cpu_us_per_request"), 0),
        _num(row.get("postgres_cpu_us_per_request"), 0),
        _share(row.get("driver_cpu_share")),
    ]


# CPU columns: microseconds of CPU per request in the server under test and in PostgreSQL
# (all its processes), and the load driver's CPU as a share of one core.
LOAD_HEADER = ["", "req/s", "p50 ms", "p99 ms", "errors", "app CPU us", "PG CPU us", "driver CPU"]


def endpoint_table(results: dict) -> list[str]:
    rows = [_load_row(row["label"], row) for row in results.get("service", {}).values()]
    for row in results.get("floor", {}).values():
        rows.append(_load_row(f"floor (a): {row['label']}", row))
    if pg := results.get("pgbench"):
        rows.append(
            [
                "floor (b): pgbench, same SELECT",
                _num(pg["tps"], 0),
                _num(pg["p50_ms"], 2),
                _num(pg["p99_ms"], 2),
                _num(pg["failed"]),
                "-",
                _num(pg.get("postgres_cpu_us_per_request"), 0),
                _share(pg.get("driver_cpu_share")),
            ]
        )
    return _table(["endpoint (1 worker)", *LOAD_HEADER[1:]], rows)


def ratio_lines(results: dict) -> list[str]:
    ratios = results.get("ratios", {})
    lines = []
    for name in ("read", "insert"):
        if ratios.get(name) is None:
            continue
        line = f"- {name}, service / floor (a): **{ratios[name]:.2f}**"
        line += f" (rounds: {', '.join(f'{r:.2f}' for r in ratios[f'{name}_rounds'])})"
        if ratios.get(f"{name}_cpu"):
            line += f"; app CPU per request, service / floor: {ratios[f'{name}_cpu']:.2f}"
        lines.append(line)
    if ratios.get("read_vs_pgbench") is not None:
        lines.append(f"- read, service / pgbench: {ratios['read_vs_pgbench']:.3f}")
    return lines


def workers_table(results: dict) -> list[str]:
    rows = []
    if one := results.get("service", {}).get("get_player"):
        rows.append(_load_row("--workers 1", one))
    for workers, row in sorted(results.get("workers", {}).items()):
        rows.append(_load_row(f"--workers {workers}", row))
    return _table(["GET /players/{id}", *LOAD_HEADER[1:]], rows) if rows else []


def accounts_table(results: dict) -> list[str]:
    """The same endpoints with AUTH=off and with AUTH=required, side by side."""
    rows = []
    ratios = results.get("ratios", {}).get("accounts", {})
    for key, row in results.get("accounts", {}).items():
        rows.append(_load_row(f"{row['label']}, AUTH=off", results["service"].get(key)))
        rows.append(_load_row(f"{row['label']}, AUTH=required", row))
    lines = _table(["endpoint", *LOAD_HEADER[1:]], rows) if rows else []
    if ratios:
        lines.append("")
        lines += [
            f"- app CPU per request, AUTH=required / AUTH=off, {key}: {ratio:.2f}"
            for key, ratio in ratios.items()
        ]
    return lines


def wins_table(results: dict) -> list[str]:
    rows = []
    for row in results.get("wins", []):
        if "problem" in row:
            rows.append([row["variant"], "-", "-", "-", "-", row["problem"], "-", "-"])
            continue
        rows.append(
            [
                row["variant"],
                _num(row["rps"], 0),
                _num(row.get("vs_baseline"), 2),
                _num(row["p50_ms"], 2),
                _num(row["p99_ms"], 2),
                _num(row["errors"]),
                _num(row.get("server_cpu_us_per_request"), 0),
                _num(row.get("postgres_cpu_us_per_request"), 0),
            ]
        )
    header = [
        "floor, GET /players/{id}",
        "req/s",
        "vs baseline",
        "p50 ms",
        "p99 ms",
        "errors",
        "app CPU us",
        "PG CPU us",
    ]
    return _table(header, rows) if rows else []


def _scaling_cell(run: dict | None) -> str:
    if not run:
        return "-"
    if not run["requests"]:
        return f"none answered in {run['seconds']:.0f} s"
    cell = f"{run['rps']:,.0f}, {run['p50_ms']:.1f} / {run['p99_ms']:.1f}"
    return cell + (f", {run['errors']:,} errors" if run["errors"] else "")


def scaling_tables(results: dict) -> list[str]:
    rows = results.get("scaling", [])
    if not rows:
        return []
    explain_cases = list(rows[0]["explain"])
    http_cases = list(rows[0]["http"])
    lines = ["EXPLAIN (ANALYZE, BUFFERS) of the service's statements: median ms (buffers)", ""]
    table = []
    for row in rows:
        cells = [_num(row["players"])]
        for case in explain_cases:
            cost = row["explain"].get(case)
            cells.append(f"{cost['ms']:.3f} ({cost['buffers']:,.0f})" if cost else "-")
        table.append(cells)
    lines += _table(["players", *explain_cases], table)
    if http_cases:
        lines += ["", "The service over HTTP, 32 connections: req/s, p50 / p99 ms", ""]
        table = []
        for row in rows:
            cells = [_num(row["players"])]
            for case in http_cases:
                cells.append(_scaling_cell(row["http"].get(case)))
            table.append(cells)
        lines += _table(["players", *http_cases], table)
    return lines


def targets_table(results: dict) -> list[str]:
    rows = [
        [t["target"], _num(t["measured"], 2), "met" if t["met"] else "**missed**"]
        for t in results.get("targets", [])
    ]
    return _table(["target", "measured", ""], rows) if rows else []


def machine_line(results: dict) -> str:
    m = results["machine"]
    pg = results.get("postgres", {})
    return (
        f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}; PostgreSQL {pg.get('server_version', '?')} "
        f"(shared_buffers {pg.get('shared_buffers', '?')}, "
        f"max_connections {pg.get('max_connections', '?')}, "
        f"synchronous_commit {pg.get('synchronous_commit', '?')}); "
        f"code at {m['commit']}{' with uncommitted changes' if m['uncommitted_changes'] else ''}"
    )


def markdown(results: dict) -> str:
    settings = results["settings"]
    dataset = results.get("dataset", {})
    lines = [
        f"# SocialProof bench ({results['mode']}), {results['started_at']}",
        "",
        f"Machine: {machine_line(results)}.",
        "",
        f"Load: {settings['driver']}, {settings['connections']} connections, "
        f"{settings['wrk_threads']} thread(s), {settings['seconds_per_run']} s per run after "
        f"{settings['warmup_seconds']} s of warm-up (reads). Runs compared with each other "
        f"(service and floor, 1 and 2 workers, floor variants) alternate in "
        f"{settings['rounds']} rounds: req/s over all rounds, median p50, worst p99; a ratio is "
        "the median of the rounds' ratios. Pool: "
        f"{settings['pool_min_size']}..{settings['pool_max_size']} connections per service "
        "worker, the floor's the same.",
        "",
        f"Dataset: {_num(dataset.get('players'))} players, {_num(dataset.get('scenarios'))} "
        f"scenarios ({dataset.get('played_share', 0):.0%} played); "
        + (
            f"loaded in {dataset['load_seconds']:.1f} s."
            if dataset.get("load_seconds")
            else "reused from an earlier run."
        ),
        "",
        f"Load average (1 min): {results['load_average_at_start']} at the start, "
        f"{results.get('load_average_at_end')} at the end.",
        "",
        "## Endpoints",
        "",
        *endpoint_table(results),
        "",
        *ratio_lines(results),
    ]
    if workers := workers_table(results):
        lines += ["", "## Workers", "", *workers]
    if accounts := accounts_table(results):
        lines += [
            "",
            "## Accounts (a public read with no token; a write with a game server's token)",
            "",
            *accounts,
        ]
    if wins := wins_table(results):
        lines += ["", "## Known wins, weighed on the floor", "", *wins]
    if scaling := scaling_tables(results):
        lines += ["", "## Scaling: leaderboard and rank", "", *scaling]
    if targets := targets_table(results):
        lines += ["", "## Targets", "", *targets]
    if results.get("problems"):
        lines += ["", "## Problems", "", *(f"- {p}" for p in results["problems"])]
    return "\n".join(lines) + "\n"


def stdout_summary(results: dict) -> str:
    lines = [*endpoint_table(results), "", *ratio_lines(results)]
    if workers := workers_table(results):
        lines += ["", *workers]
    if accounts := accounts_table(results):
        lines += ["", *accounts]
    missed = [t for t in results.get("targets", []) if not t["met"]]
    if results.get("targets"):
        lines += [
            "",
            f"targets: {len(results['targets']) - len(missed)} met, {len(missed)} missed"
            + "".join(f"\n  missed: {t['target']} ({_num(t['measured'], 2)})" for t in missed),
        ]
    if results.get("problems"):
        lines += ["", "problems:", *(f"  - {p}" for p in results["problems"])]
    return "\n".join(lines)


def write(results: dict, directory: Path) -> tuple[Path, Path]:
    """<mode>-<time>.md and .json, and <mode>-latest.md/.json beside them."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace(":", "").replace("-", "")[:15]
    name = f"{results['mode']}-{stamp}"
    text = markdown(results)
    data = orjson.dumps(results, option=orjson.OPT_INDENT_2)
    md, js = directory / f"{name}.md", directory / f"{name}.json"
    md.write_text(text)
    js.write_bytes(data)
    (directory / f"{results['mode']}-latest.md").write_text(text)
    (directory / f"{results['mode']}-latest.json").write_bytes(data)
    return md, js
