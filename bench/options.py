"""`python -m bench`'s flags, and the smoke's sizes."""

import argparse
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH_DIR
from bench.targets import ROUTE, ROUTES, TARGETS, Route, Target
from socialproof import PROJECT_ROOT

PARTS = ("endpoints", "wins", "scaling")
# CI's run: every part, seconds long, on tiny data; it fails on errors and times nothing.
SMOKE: dict[str, object] = {"players": 300, "scenarios": 3_000, "seconds": 1, "rounds": 1}
SMOKE |= {"warmup": 0, "wins_seconds": 1, "scaling": "200,2000", "scaling_seconds": 1}


@dataclass(frozen=True)
class Options:
    parts: tuple[str, ...]
    smoke: bool
    players: int
    scenarios: int
    played: float
    seconds: int
    rounds: int
    warmup: int
    connections: int
    threads: int
    routes: tuple[Route, ...]
    targets: tuple[Target, ...]
    wins_seconds: int
    scaling: tuple[int, ...]
    scaling_seconds: int
    pg_dir: Path
    results_dir: Path

    @property
    def mode(self) -> str:
        """Names the run's results folder and report."""
        return "smoke" if self.smoke else "full"


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The service under wrk next to its floors; bench/README.md says how.",
    )
    add = parser.add_argument
    add("parts", nargs="*", help=f"any of {', '.join(PARTS)} (default: all, in that order)")
    add("--smoke", action="store_true", help="CI's run: tiny data, 1 s a run, times nothing")
    add("--players", type=int, default=100_000)
    add("--scenarios", type=int, default=1_000_000)
    add("--played", type=float, default=0.9, help="share of scenarios with a result")
    add("--seconds", type=int, default=10, help="per run")
    add("--rounds", type=int, default=3, help="alternating rounds of servers compared")
    add("--warmup", type=int, default=2, help="seconds of load before a read is measured")
    add("--connections", type=int, default=32)
    # One drives 32 connections faster than the service answers; on 2 cores a second thread
    # only takes CPU from the servers under test.
    add("--threads", type=int, default=1, help="wrk threads and pgbench jobs")
    add("--routes", default=",".join(ROUTE), help=f"comma-separated, of: {', '.join(ROUTE)}")
    matching = "whose names contain one of these comma-separated words (default: all)"
    add("--targets", default="", help=f"endpoints: the service, and the targets {matching}")
    add("--wins-seconds", type=int, default=3, help="per run of a floor variant")
    add("--scaling", default="10000,100000,1000000", help="player counts")
    add("--scaling-seconds", type=int, default=3, help="per HTTP run of the scaling study")
    add("--pg-dir", default=".pgdata-bench", help="the embedded server's data (no DATABASE_URL)")
    add("--results-dir", default=str(BENCH_DIR / "results"))
    args = parser.parse_args(argv)
    if args.smoke:  # its sizes, where no flag says otherwise
        parser.set_defaults(**SMOKE)
        args = parser.parse_args(argv)
    if unknown := set(args.parts) - set(PARTS):
        parser.error(f"unknown parts {', '.join(sorted(unknown))}; known: {', '.join(PARTS)}")
    keys = [key.strip() for key in args.routes.split(",") if key.strip()]
    if unknown := set(keys) - set(ROUTE):
        parser.error(f"unknown routes {', '.join(sorted(unknown))}; known: {', '.join(ROUTE)}")
    args.parts = tuple(part for part in PARTS if part in args.parts) or PARTS
    args.routes = tuple(route for route in ROUTES if route.key in keys)
    words = [word.strip() for word in args.targets.split(",") if word.strip()]
    service, *others = TARGETS
    chosen = [t for t in others if not words or any(word in t.name for word in words)]
    if not chosen and words:
        parser.error(f"no target's name contains any of {', '.join(words)}")
    args.targets = (service, *chosen)
    args.scaling = tuple(int(size.replace("_", "")) for size in args.scaling.split(",") if size)
    args.pg_dir = (PROJECT_ROOT / args.pg_dir).resolve()
    args.results_dir = Path(args.results_dir)
    return Options(**vars(args))
