"""`python -m bench`: measure the service under load, next to its floors.

Every size and duration has a flag and an environment variable (BENCH_<FLAG>); `--smoke` is
CI's seconds-long run: a tiny dataset, a second per endpoint, no timing asserted, a non-zero
exit when an endpoint answers with errors or any part of the harness fails.
"""

import argparse
import os
import sys
from pathlib import Path

from bench import RESULTS_DIR, report
from bench.endpoints import BY_KEY, ENDPOINTS
from bench.load import wrk_path
from bench.run import BenchRun, Options, log
from bench.tools import INSTALL_HINT, ensure_wrk
from socialproof import PROJECT_ROOT
from socialproof.settings import Settings, SettingsError

SMOKE = {
    "players": 300,
    "scenarios": 3_000,
    "seconds": 1,
    "rounds": 1,
    "warmup": 0,
    "wins_seconds": 1,
    "scaling": "200,2000",
    "scaling_seconds": 1,
}


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BENCH_{name.upper()}") or default


def _sizes(text: str) -> tuple[int, ...]:
    if text.strip().lower() in {"", "none", "0", "off"}:
        return ()
    return tuple(int(part.replace("_", "")) for part in text.split(","))


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--smoke", action="store_true", help="CI's seconds-long run (tiny sizes, 1 s each)")
    add("--players", type=int, default=int(_env("players", "100000")))
    add("--scenarios", type=int, default=int(_env("scenarios", "1000000")))
    add("--played", type=float, default=0.9, help="share of scenarios with a result")
    add("--seconds", type=int, default=int(_env("seconds", "10")), help="per run")
    add(
        "--rounds",
        type=int,
        default=int(_env("rounds", "3")),
        help="alternating rounds for the runs compared with each other (service and floor, "
        "1 and 2 workers, the floor's variants)",
    )
    add("--warmup", type=int, default=int(_env("warmup", "2")), help="seconds, before reads")
    add("--connections", type=int, default=32)
    add(
        "--threads",
        type=int,
        default=int(_env("threads", "1")),
        help="wrk threads (and pgbench jobs); one drives 32 connections faster than the "
        "service answers, and on 2 cores a second only takes CPU from the servers",
    )
    add(
        "--endpoints",
        default=",".join(e.key for e in ENDPOINTS),
        help=f"comma-separated, of: {', '.join(BY_KEY)}",
    )
    add("--no-floor", action="store_true", help="skip floor (a), the minimal app")
    add("--no-pgbench", action="store_true", help="skip floor (b), pgbench")
    add("--workers", default=_env("workers", "1,2"), help="service process counts to compare")
    add(
        "--wins-seconds",
        type=int,
        default=int(_env("wins_seconds", "3")),
        help="per floor variant weighing a known win; 0 skips them",
    )
    add(
        "--scaling",
        default=_env("scaling", "10000,100000,1000000"),
        help="player counts for the scaling table; 'none' skips it",
    )
    add("--scaling-seconds", type=int, default=int(_env("scaling_seconds", "3")))
    add("--driver", choices=["auto", "wrk", "python"], default=_env("driver", "auto"))
    add(
        "--pg-dir",
        default=_env("pg_dir", ".pgdata-bench"),
        help="the embedded server's data, relative to the checkout (unless DATABASE_URL is set)",
    )
    add(
        "--force-reload",
        action="store_true",
        help="reload the dataset even if one of the same size is there",
    )
    add("--results-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)
    if args.smoke:
        for name, value in SMOKE.items():
            if parser.get_default(name) == getattr(args, name):
                setattr(args, name, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"error: {error}")

    driver = args.driver
    if driver in ("auto", "wrk"):
        # The smoke never installs anything: without wrk it falls back to the Python driver.
        found = wrk_path() if args.smoke else ensure_wrk(log)
        if found:
            driver = "wrk"
        elif args.smoke and driver == "auto":
            log("wrk not found: the smoke uses the Python driver")
            driver = "python"
        else:
            sys.exit(f"error: {INSTALL_HINT}")

    endpoints = tuple(key.strip() for key in args.endpoints.split(",") if key.strip())
    if unknown := [key for key in endpoints if key not in BY_KEY]:
        sys.exit(f"error: unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(BY_KEY)}")
    options = Options(
        smoke=args.smoke,
        players=args.players,
        scenarios=args.scenarios,
        played=args.played,
        seconds=args.seconds,
        rounds=args.rounds,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        endpoints=endpoints,
        floor=not args.no_floor,
        pgbench=not args.no_pgbench,
        workers=_sizes(args.workers),
        wins_seconds=args.wins_seconds,
        scaling=_sizes(args.scaling),
        scaling_seconds=args.scaling_seconds,
        driver=driver,
        database_url=settings.database_url,
        pg_dir=(PROJECT_ROOT / args.pg_dir).resolve(),
        force_reload=args.force_reload,
        pool_min=settings.pool_min_size,
        pool_max=settings.pool_max_size,
        results_dir=Path(args.results_dir),
    )
    results = BenchRun(options).run()
    markdown_path, json_path = report.write(results, options.results_dir)
    print(report.stdout_summary(results))
    print(f"\nreport: {markdown_path}\n        {json_path}")
    return 1 if results["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
