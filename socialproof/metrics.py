"""Metrics in Prometheus's text format at /metrics, named as OpenTelemetry names them.

Requests are timed as they are served (`socialproof.serving`: one `Durations.observe` each);
the pool's connections are counted when scraped; database errors, retries and rate-limit
rejections are counted by the code that sees them, through `database_error`, `retry` and
`rate_limited`.

With several workers (`WORKERS > 1`) the serve command calls `share_across_workers()` before
forking: every worker then keeps its values in files of one directory, and a scrape, whichever
worker serves it, reads them all (prometheus_client's multiprocess mode).
"""

import asyncio
import atexit
import itertools
import os
import shutil
import tempfile
from bisect import bisect_left
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import Any

import asyncpg
from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from socialproof.keys import db_key

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# What `generate_latest` writes: the text format every Prometheus reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# Request durations, as OpenTelemetry names them, with its advised bucket boundaries. Counted by
# `Durations` rather than a prometheus_client Histogram (see there).
DURATION_NAME = "http_server_request_duration_seconds"
DURATION_HELP = "Duration of HTTP server requests."
DURATION_LABELS = ("http_request_method", "http_route", "http_response_status_code")
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
_BUCKET_LABELS = (*(floatToGoString(bound) for bound in DURATION_BUCKETS), "+Inf")

# Every other metric has labels: a labelled metric holds no value until a label set is first
# used, so `share_across_workers` can still choose where values are kept after this import.
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
COUNTED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
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


class Durations:
    """The requests of one method, route and status: how many took up to each bucket's bound
    (each counted in its own bucket only), and their total time.

    Not prometheus_client's Histogram: its `observe` takes a lock twice and checks its labels
    on every call, a tenth of the whole cost a primary-key read adds to its SQL here; this one
    is a list index and an addition, read when scraped."""

    __slots__ = ("_shared", "buckets", "labels", "sum")

    def __init__(self, labels: tuple[str, str, str]) -> None:
        self.labels = labels
        self.buckets = [0] * len(_BUCKET_LABELS)  # the last: above every bound (+Inf)
        self.sum = 0.0
        # With several workers, the values in prometheus_client's shared files that `publish`
        # copies these into; made on first use.
        self._shared: list[Any] | None = None

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(DURATION_BUCKETS, seconds)] += 1
        self.sum += seconds

    def publish(self) -> None:
        """Copy the counts into this worker's shared files, where any worker's scrape reads
        them (laid out as prometheus_client's own histogram keeps them)."""
        if self._shared is None:
            bucket_labels = (*DURATION_LABELS, "le")
            self._shared = [
                *(
                    values.ValueClass(
                        "histogram",
                        DURATION_NAME,
                        f"{DURATION_NAME}_bucket",
                        bucket_labels,
                        (*self.labels, le),
                        DURATION_HELP,
                    )
                    for le in _BUCKET_LABELS
                ),
                values.ValueClass(
                    "histogram",
                    DURATION_NAME,
                    f"{DURATION_NAME}_sum",
                    DURATION_LABELS,
                    self.labels,
                    DURATION_HELP,
                ),
            ]
        for shared, value in zip(self._shared, [*self.buckets, self.sum], strict=True):
            shared.set(value)


_durations: dict[tuple[str, str, int], Durations] = {}


def durations(method: str, route: str, status: int) -> Durations:
    """The durations of requests with `method` (one of COUNTED_METHODS, or OTHER_METHOD) to
    `route` (a route's template, or UNMATCHED_ROUTE) answered `status`."""
    key = (method, route, status)
    found = _durations.get(key)
    if found is None:
        found = _durations[key] = Durations((method, route, str(status)))
    return found


class _DurationsCollector(Collector):
    """The durations as one histogram, for a scrape of this process (one worker)."""

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(DURATION_NAME, DURATION_HELP, labels=DURATION_LABELS)
        for counted in list(_durations.values()):
            cumulative = itertools.accumulate(counted.buckets)
            family.add_metric(
                counted.labels, list(zip(_BUCKET_LABELS, cumulative, strict=True)), counted.sum
            )
        yield family


REGISTRY.register(_DurationsCollector())

#: Requests in flight, by method label: plain counts the request path moves, copied into their
#: gauge when scraped (and every second with several workers), rather than a locked gauge.
in_flight: defaultdict[str, int] = defaultdict(int)


def count_gauges(pool: asyncpg.Pool) -> None:
    """Copy this worker's requests in flight and its pool's connections into their gauges;
    with several workers, its request durations into the shared files too."""
    for method, count in list(in_flight.items()):
        ACTIVE_REQUESTS.labels(method).set(count)
    idle = pool.get_idle_size()
    CONNECTIONS.labels("idle").set(idle)
    CONNECTIONS.labels("used").set(pool.get_size() - idle)
    if MULTIPROCESS_DIR_ENV in os.environ:
        _publish_durations()


def _publish_durations() -> None:
    for counted in list(_durations.values()):
        counted.publish()


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
    """cleanup_ctx: with several workers, each copies its gauges and durations every second (a
    scrape copies only those of the worker serving it); at exit its durations are copied a
    last time and its gauges go."""
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
    _publish_durations()
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
