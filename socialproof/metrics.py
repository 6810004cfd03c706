"""Metrics in Prometheus's text format at /metrics, named as OpenTelemetry names them.

Requests are timed by the request middleware (one histogram observation each); the pool's
connections are counted when scraped; database errors, retries and rate-limit rejections are
counted by the code that sees them, through `database_error`, `retry` and `rate_limited`.

With several workers (`WORKERS > 1`) the serve command calls `share_across_workers()` before
forking: every worker then keeps its values in files of one directory, and a scrape, whichever
worker serves it, reads them all (prometheus_client's multiprocess mode).
"""

import asyncio
import atexit
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import suppress
from time import perf_counter
from typing import Any

import asyncpg
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from socialproof.keys import db_key

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# What `generate_latest` writes: the text format every Prometheus reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# Every metric has labels: a labelled metric holds no value until a label set is first used,
# so `share_across_workers` can still choose where values are kept after this import.
REQUEST_DURATION = Histogram(
    "http_server_request_duration_seconds",
    "Duration of HTTP server requests.",
    ["http_request_method", "http_route", "http_response_status_code"],
    # OpenTelemetry's advised boundaries for this metric.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10),
)
ACTIVE_REQUESTS = Gauge(
    "http_server_active_requests",
    "Number of active HTTP server requests.",
    ["http_request_method"],
    multiprocess_mode="livesum",
)
CONNECTIONS = Gauge(
    "db_client_connection_count",
    "Connections the pool holds open, by state (idle or used); their sum is the pool's size.",
    ["db_client_connection_state"],
    multiprocess_mode="livesum",
)
DATABASE_ERRORS = Counter("db_client_errors", "Database errors, by class.", ["error_type"])
RETRIES = Counter(
    "db_client_retries", "Statements retried, by the SQLSTATE that caused it.", ["error_type"]
)
PRIMARY_READS = Counter(
    "db_client_primary_reads",
    "Public reads the primary served although a read replica is configured, by reason.",
    ["reason"],
)
REPLICA_LAG = Gauge(
    "db_client_replica_lag_seconds",
    "How far behind the primary the read replica was at its last check; +Inf when it did "
    "not answer.",
    ["server_address"],
    multiprocess_mode="livemax",
)
RATE_LIMITED = Counter(
    "http_server_rate_limited_requests", "Requests refused by the rate limiter.", ["policy"]
)
RATE_LIMITER_UNAVAILABLE = Counter(
    "rate_limiter_store_unavailable",
    "Requests whose policy's store could not answer (failing open or closed), by policy.",
    ["policy"],
)

# Labels stay bounded: any other method is counted as _OTHER (as OpenTelemetry does), and a
# request that matched no route is counted under one fixed route, never its raw path.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "_OTHER"
UNMATCHED_ROUTE = "unmatched"


def database_error(kind: str) -> None:
    """Count a database error of class `kind` (a SQLSTATE class or a name, e.g. "timeout")."""
    DATABASE_ERRORS.labels(kind).inc()


def retry(sqlstate: str) -> None:
    """Count a statement retried after failing with `sqlstate` (e.g. "40P01")."""
    RETRIES.labels(sqlstate).inc()


def primary_reads(reason: str) -> Any:
    """The counter of public reads the primary served for `reason` (one child, kept by the
    caller: counting is then one increment)."""
    return PRIMARY_READS.labels(reason)


def replica_lag(server_address: str) -> Any:
    """The gauge of the replica at `server_address`'s lag, in seconds."""
    return REPLICA_LAG.labels(server_address)


def rate_limited(policy: str) -> None:
    """Count a request the rate limiter refused under `policy`."""
    RATE_LIMITED.labels(policy).inc()


def rate_limiter_unavailable(policy: str) -> None:
    """Count a request whose `policy` could not be counted: its store did not answer."""
    RATE_LIMITER_UNAVAILABLE.labels(policy).inc()


# The hot path, kept to one histogram observation a request: each label set's child is looked
# up once and kept (prometheus_client's `labels()` costs as much as the observation), and
# requests in flight are plain counts, copied into their gauge when scraped (and every second
# with several workers) rather than a locked gauge moved twice a request.
_durations: dict[tuple[str, str, int], Any] = {}
_in_flight: dict[str, int] = {}


def request_started(request: web.Request) -> tuple[str, float]:
    """A request begins: its method as counted, and when it began."""
    method = request.method if request.method in _METHODS else OTHER_METHOD
    _in_flight[method] = _in_flight.get(method, 0) + 1
    return method, perf_counter()


def request_finished(request: web.Request, method: str, status: int, started: float) -> None:
    """A request was answered with `status`: timed by method, route template and status."""
    _in_flight[method] -= 1
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else UNMATCHED_ROUTE
    child = _durations.get((method, route, status))
    if child is None:
        child = REQUEST_DURATION.labels(method, route, str(status))
        _durations[method, route, status] = child
    child.observe(perf_counter() - started)


def request_abandoned(method: str) -> None:
    """A request ended without an answer (the client left): no longer in flight, not timed."""
    _in_flight[method] -= 1


def count_gauges(pool: asyncpg.Pool) -> None:
    """Copy this worker's requests in flight and its pool's connections into their gauges."""
    for method, count in _in_flight.items():
        ACTIVE_REQUESTS.labels(method).set(count)
    idle = pool.get_idle_size()
    CONNECTIONS.labels("idle").set(idle)
    CONNECTIONS.labels("used").set(pool.get_size() - idle)


def _registry() -> CollectorRegistry:
    if MULTIPROCESS_DIR_ENV not in os.environ:
        return REGISTRY
    # Built per scrape, as prometheus_client advises: it reads every worker's files.
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def exposition(app: web.Application) -> bytes:
    """Every metric in Prometheus's text format (CONTENT_TYPE), every worker's included."""
    count_gauges(app[db_key])
    return generate_latest(_registry())


async def _count_gauges_while_serving(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: with several workers, each copies its gauges every second (a scrape
    copies only those of the worker serving it); at exit its gauges go."""
    if MULTIPROCESS_DIR_ENV not in os.environ:
        yield
        return

    async def every_second() -> None:
        while True:
            count_gauges(app[db_key])
            await asyncio.sleep(1)

    task = asyncio.create_task(every_second())
    yield
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    multiprocess.mark_process_dead(os.getpid())


def setup_metrics(app: web.Application) -> None:
    """Keep the gauges of every worker current; call after the pool's cleanup context."""
    app.cleanup_ctx.append(_count_gauges_while_serving)


def share_across_workers() -> None:
    """Before forking workers: keep every worker's values in one fresh directory, removed at
    exit, so that one scrape sees them all."""
    directory = tempfile.mkdtemp(prefix="socialproof-metrics-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[MULTIPROCESS_DIR_ENV] = directory
    # prometheus_client chose where values live when it was imported; no value exists yet
    # (see above), so choosing again now applies to every metric.
    values.ValueClass = values.get_value_class()
