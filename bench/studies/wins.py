"""Known wins, weighed on the floor: each variant in WINS flips one habit back to the slower
choice; its rate on GET /players/{id} is held against the baseline's, round by round."""

from bench.measure import Driving, Ratio, Row, Run, alternate
from bench.servers import Setup, serve
from bench.targets import ROUTE, WINS, Target


def run(
    setup: Setup,
    players: int,
    rounds: int,
    seconds: int,
    how: Driving,
    variants: tuple[Target, ...] = WINS,
) -> tuple[list[Row], list[Ratio]]:
    """The variants in alternating rounds, one server up at a time: idle pools would hold
    connections the next variant needs. Each variant's ratio to the first, the baseline."""
    route = ROUTE["get_player"]
    params = {"players": str(players)}
    runs: dict[str, list[Run]] = {variant.name: [] for variant in variants}
    for _ in range(rounds):
        for variant in variants:
            with serve(variant, setup) as server:
                (row,) = alternate([server], route, lambda: params, 1, seconds, how)
            runs[variant.name] += row.runs
    rows = [Row.of(name, route, measured) for name, measured in runs.items()]
    baseline, *others = rows
    return rows, [ratio for row in others if (ratio := Ratio.of(route, row, baseline))]
