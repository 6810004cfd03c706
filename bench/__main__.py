"""`python -m bench`: the service under wrk next to its floors, then the studies; a report in
bench/results/. A non-zero exit when a part fails or anything answers with errors."""

import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from functools import partial

import asyncpg
import psycopg

from bench import dataset, report
from bench.dataset import Dataset
from bench.load import LoadError, pgbench, require_wrk
from bench.measure import Driving, Ratio, Row, Setup, alternate, log, serve, unavailable
from bench.options import Options, parse
from bench.report import Report
from bench.studies import scaling, wins
from bench.targets import ROUTE, Route, game_server_token
from socialproof.settings import Settings, SettingsError

# What ends a part but not the run: ServerError, LoadError and the result pool's error are
# RuntimeErrors; the rest is the database's.
FAILURES = (RuntimeError, asyncpg.PostgresError, psycopg.Error)
FLOOR_B = "floor (b): pgbench, the same SELECT"


def route_params(route: Route, data: Dataset, seconds: int) -> dict[str, str]:
    """The parameters of one run of `route`: a run of POST /scenarios/{id}/result plays a
    pool of fresh scenarios made just before it, more than the service can play in time."""
    params = {"players": str(data.players), "token": game_server_token()}
    if route.key == "record_result":
        first = dataset.result_pool(data.url, data.players, max(2_000, seconds * 10_000))
        params["pool_first"] = str(first)
    return params


def endpoints(options: Options, data: Dataset, setup: Setup, how: Driving, out: Report) -> None:
    """Every target up at once, measured in alternating rounds on the routes it names and held
    against those its `vs` names; reads first, as the writes add rows. A target this machine
    cannot serve is left out, and the report says why."""
    targets = []
    for target in options.targets:
        if reason := unavailable(target):
            out.absent.append(f"{target.name}: {reason}")
            log(f"{target.name}: left out: {reason}")
        else:
            targets.append(target)
    with ExitStack() as stack:
        servers = {target.name: stack.enter_context(serve(target, setup)) for target in targets}
        for route in sorted(options.routes, key=lambda route: route.writes):
            on = [target for target in targets if not target.routes or route.key in target.routes]
            params = partial(route_params, route, data, options.seconds)
            rows = alternate([servers[t.name] for t in on], route, params, options.seconds, how)
            out.endpoints += rows
            ran = {row.target: row for row in rows}
            for target in on:
                for theirs in target.vs:
                    if theirs in ran and (ratio := Ratio.of(ran[target.name], ran[theirs])):
                        out.ratios.append(ratio)


def main(argv: list[str] | None = None) -> int:
    o = parse(argv)
    try:
        settings = Settings.from_env()
        require_wrk()
    except (SettingsError, LoadError) as error:
        sys.exit(f"error: {error}")
    out = Report(o)
    if settings.database_url:
        server_url, postmaster = settings.database_url, None
    else:
        log(f"embedded PostgreSQL in {o.pg_dir}")
        server_url, postmaster = dataset.embedded_server(o.pg_dir)
    out.postgres = dataset.server_facts(server_url)

    seed = str(int(time.time()))  # seeds the scripts' random ids, alike in every run
    how = Driving(o.connections, o.threads, o.warmup, o.rounds, postmaster, seed)
    setup = Setup(
        server_url, settings.pool_min_size, settings.pool_max_size, o.results_dir / "logs"
    )
    data = None
    if {"endpoints", "wins"} & set(o.parts):
        log(f"dataset: {o.players:,} players, {o.scenarios:,} scenarios")
        name = "socialproof_bench_smoke" if o.smoke else "socialproof_bench"
        data = out.dataset = dataset.load(server_url, name, o.players, o.scenarios, o.played)
        log(f"dataset: loaded in {data.load_seconds} s")
        setup = replace(setup, database_url=data.url)

    for part in o.parts:
        try:
            if part == "endpoints" and data:
                endpoints(o, data, setup, how, out)
                log(FLOOR_B)
                run = pgbench(data.url, data.players, o.connections, o.threads, o.seconds)
                out.pgbench = Row.of(FLOOR_B, ROUTE["get_player"], [run])
            elif part == "wins" and data:
                out.wins, out.wins_ratios = wins(setup, data.players, o.wins_seconds, how)
            elif part == "scaling":
                out.scaling = scaling(server_url, o.scaling, setup, o.scaling_seconds, how)
        except FAILURES as error:
            out.problems.append(f"{part}: {error}")
            log(f"{part} failed: {error}")

    out.check()
    folder, text = report.write(out)
    print(text)
    print(f"report: {folder / 'report.md'}")
    return 1 if out.problems else 0


if __name__ == "__main__":
    sys.exit(main())
