"""A small load driver in Python, for when wrk is not installed (the CI smoke's fallback).

It sends the same requests as the wrk scripts (bench/endpoints.py builds them), over a fixed
number of keep-alive connections, and prints the same JSON summary line as wrk's done().
It is much slower than wrk: fine to prove every endpoint answers without errors, not to
measure the service's ceiling.

    python -m bench.driver http://127.0.0.1:8000 get_player --seconds 1 players=1000 ...
"""

import argparse
import asyncio
import statistics
import time

import aiohttp
import orjson

from bench.endpoints import BY_KEY, RequestState, make_request
from bench.load import MARKER


async def _worker(
    session: aiohttp.ClientSession,
    base_url: str,
    key: str,
    expected: int,
    state: RequestState,
    deadline: float,
    latencies: list[float],
    errors: dict[str, int],
) -> None:
    headers = {"Content-Type": "application/json"}
    if token := state.params.get("token"):
        headers["Authorization"] = f"Bearer {token}"
    while time.perf_counter() < deadline:
        method, path, body = make_request(key, state)
        started = time.perf_counter()
        try:
            async with session.request(
                method, base_url + path, data=body, headers=headers if body else None
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            errors["timeout"] += 1
            continue
        except aiohttp.ClientError:
            errors["read"] += 1
            continue
        latencies.append(time.perf_counter() - started)
        if status != expected:
            errors["status"] += 1


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


async def drive(
    base_url: str, key: str, expected: int, connections: int, seconds: float, params: dict
) -> dict[str, float]:
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(
                _worker(
                    session,
                    base_url,
                    key,
                    expected,
                    RequestState(number, connections, params),
                    deadline,
                    latencies,
                    errors,
                )
                for number in range(1, connections + 1)
            )
        )
        elapsed = time.perf_counter() - started
    micro = [value * 1e6 for value in latencies]
    return {
        "requests": len(latencies),
        "duration_us": elapsed * 1e6,
        **errors,
        "p50_us": _percentile(micro, 50),
        "p90_us": _percentile(micro, 90),
        "p99_us": _percentile(micro, 99),
        "mean_us": statistics.fmean(micro) if micro else 0.0,
        "max_us": max(micro, default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.driver", description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("endpoint", choices=sorted(BY_KEY))
    parser.add_argument("--status", type=int, required=True, help="the expected status")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("params", nargs="*", help="key=value, as the wrk scripts take them")
    args = parser.parse_args()
    params = dict(item.split("=", 1) for item in args.params)
    summary = asyncio.run(
        drive(args.base_url, args.endpoint, args.status, args.connections, args.seconds, params)
    )
    print(MARKER + orjson.dumps(summary).decode())


if __name__ == "__main__":
    main()
