"""A read replica: public reads on a streaming standby of the primary, when it may serve them.

With DATABASE_REPLICA_URL unset nothing here runs: `read_db` hands every read the primary's
pool. With it set (the README's "Read replica" states the rules):

- **Usable.** A background check, every `check_interval` seconds, reads the primary's log
  position and then the replica's replay position (each within HEALTH_TIMEOUT). Once the
  replica has replayed past a position the primary had at moment T, it holds every
  transaction committed before T; it serves reads until T + REPLICA_MAX_LAG, unless a later
  check moves T on. A replica that does not answer, is no standby, or fails a read is skipped
  until the next check says otherwise. The lag is measured by this process's clock alone.
- **Read-your-writes.** Every answer to a write (other than a 4xx: a refused request wrote
  nothing) sets the `sp_last_write` cookie to its time; a public read that carries one less
  than REPLICA_MAX_LAG + CLOCK_MARGIN old goes to the primary. The replica then can only serve
  that caller once it holds their write, whichever process or machine serves them: the cookie
  travels with the client.

Reads the primary serves instead of the replica are counted by reason
(`db_client_primary_reads`); the replica's lag is a gauge; each change of the replica's state
is logged once.
"""

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from urllib.parse import parse_qs, urlsplit

import attrs
from aiohttp import hdrs, web
from asyncpg import Pool

from socialproof import metrics, queries
from socialproof.database import CLIENT_MARGIN, ProbeConnection, close_pool, create_pool
from socialproof.keys import db_key, probe_key, read_router_key, settings_key
from socialproof.replica_reads import ReplicaReads
from socialproof.settings import Settings

log = logging.getLogger(__name__)

LAST_WRITE_COOKIE = "sp_last_write"
# How far the clocks of the service's machines may disagree: a write's time is read on one,
# compared on another. NTP keeps them within milliseconds.
CLOCK_MARGIN = 1.0
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Why the primary served a public read (the label of db_client_primary_reads).
RECENT_WRITE = "recent_write"
REPLICA_LAGGING = "replica_lagging"
REPLICA_UNAVAILABLE = "replica_unavailable"
REPLICA_FAILED = "replica_failed"


def check_interval(settings: Settings) -> float:
    """Seconds between checks: four within REPLICA_MAX_LAG, so that a check that is late or
    slow does not let a replica that keeps up lapse; at most one second."""
    return min(1.0, settings.replica_max_lag / 4)


def sticky_seconds(settings: Settings) -> float:
    """How long after a write its caller's public reads go to the primary."""
    return settings.replica_max_lag + CLOCK_MARGIN


def server_address(url: str) -> str:
    """`host:port` of a PostgreSQL URL, for labels and logs (never its user or password)."""
    parts = urlsplit(url)
    host = parts.hostname or parse_qs(parts.query).get("host", ["localhost"])[0]
    return f"{host}:{parts.port or 5432}"


class ReadRouter:
    """Which pool serves a public read, and the check that keeps that answer current."""

    def __init__(
        self,
        settings: Settings,
        primary: Pool,
        primary_probe: ProbeConnection,
        replica: Pool,
        replica_probe: ProbeConnection,
    ) -> None:
        assert settings.database_replica_url is not None
        self.primary = primary
        self.reads = ReplicaReads(replica, primary, self._replica_failed)
        self.address = server_address(settings.database_replica_url)
        self.interval = check_interval(settings)
        self._max_lag = settings.replica_max_lag
        self._sticky_ms = sticky_seconds(settings) * 1000
        self._primary_probe = primary_probe
        self._replica_probe = replica_probe
        # (monotonic time, the primary's log position then), oldest first; only the last
        # REPLICA_MAX_LAG's worth can still make the replica usable.
        self._samples: deque[tuple[float, int]] = deque(
            maxlen=math.ceil(self._max_lag / self.interval) + 2
        )
        # The newest moment (monotonic) the replica is known to hold every commit before; until
        # there is one, it is at least as far behind as the first sample is old.
        self._fresh_as_of = -math.inf
        self._first_sample: float | None = None
        # Until when (monotonic) the replica may serve; -inf while it is down.
        self.usable_until = -math.inf
        self._reachable = False
        self._state = "starting"
        self._counted = {
            reason: metrics.primary_reads(reason)
            for reason in (RECENT_WRITE, REPLICA_LAGGING, REPLICA_UNAVAILABLE, REPLICA_FAILED)
        }
        self._lag = metrics.replica_lag(self.address)

    # The hot path

    def pool_for(self, request: web.Request) -> queries.Db:
        if self._wrote_recently(request):
            self._counted[RECENT_WRITE].inc()
            return self.primary
        if time.monotonic() < self.usable_until:
            return self.reads
        self._counted[REPLICA_LAGGING if self._reachable else REPLICA_UNAVAILABLE].inc()
        return self.primary

    def _wrote_recently(self, request: web.Request) -> bool:
        header = request.headers.get(hdrs.COOKIE)
        if header is None or LAST_WRITE_COOKIE not in header:
            return False  # most reads: one header lookup, nothing parsed
        value = request.cookies.get(LAST_WRITE_COOKIE, "")
        if not (value.isascii() and value.isdigit() and len(value) <= 16):
            return False
        # Either way: a clock behind the writer's sees the write's time ahead of its own.
        return abs(time.time() * 1000 - int(value)) < self._sticky_ms

    def _replica_failed(self, error: Exception, unavailable: bool) -> None:
        """A read failed on the replica and runs again on the primary."""
        self._counted[REPLICA_FAILED].inc()
        if unavailable:
            self._down(f"a read failed on it: {error!r}")

    # The check

    async def check(self) -> None:
        """Learn how far behind the replica is; every wait is bounded by HEALTH_TIMEOUT."""
        sampled_at = time.monotonic()
        try:
            position = await queries.wal_position(self._primary_probe)
        except Exception as error:
            # Nothing new is learnt; the replica lapses on its own if this goes on.
            self._set_state(
                "unchecked",
                logging.WARNING,
                "read replica %s unchecked: the primary did not answer: %r",
                self.address,
                error,
            )
            return
        self._samples.append((sampled_at, position))
        if self._first_sample is None:
            self._first_sample = sampled_at
        try:
            replayed = await queries.replay_position(self._replica_probe)
        except Exception as error:
            self._down(f"it did not answer: {error!r}")
            return
        if replayed is None:
            self._down("it is not a standby (promoted, or a primary): its data no longer follows")
            return
        # Positions grow with time: the samples replayed past are the oldest ones.
        while self._samples and self._samples[0][1] <= replayed:
            self._fresh_as_of = max(self._fresh_as_of, self._samples.popleft()[0])
        self._reachable = True
        self.usable_until = self._fresh_as_of + self._max_lag
        caught_up = math.isfinite(self._fresh_as_of)
        since = self._fresh_as_of if caught_up else self._first_sample
        assert since is not None  # sampled above
        lag = time.monotonic() - since
        self._lag.set(lag)
        if caught_up and lag < self._max_lag:
            self._set_state("in use", logging.INFO, "read replica %s in use", self.address)
        elif lag < self._max_lag:  # just started: it has not yet replayed a sample
            self._set_state(
                "catching up",
                logging.INFO,
                "read replica %s not in use until it has caught up with the primary",
                self.address,
            )
        else:
            self._set_state(
                "lagging",
                logging.WARNING,
                "read replica %s skipped: %.1f s behind the primary (REPLICA_MAX_LAG %g s); "
                "the primary serves its reads",
                self.address,
                lag,
                self._max_lag,
            )

    def _down(self, reason: str) -> None:
        self._reachable = False
        self.usable_until = -math.inf
        self._lag.set(math.inf)
        self._set_state(
            "down",
            logging.WARNING,
            "read replica %s skipped: %s; the primary serves its reads",
            self.address,
            reason,
        )

    def _set_state(self, state: str, level: int, message: str, *args: object) -> None:
        """Log a change of state once, not every check."""
        if state != self._state:
            self._state = state
            log.log(level, message, *args)

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()


def read_db(request: web.Request) -> queries.Db:
    """Where a public read runs: the primary's pool, or the replica when it may serve it."""
    app = request.app
    router = app[read_router_key]
    if router is None:  # no replica
        return app[db_key]
    return router.pool_for(request)


def setup_replica(app: web.Application) -> None:
    """With DATABASE_REPLICA_URL: the replica's pool and check, living as long as the app (a
    cleanup context, to be added after the primary's pool). Without: nothing but the key that
    says so. Answers to writes are stamped by the serving wrapper (`write_stamp`)."""
    app[read_router_key] = None
    if app[settings_key].database_replica_url is not None:
        app.cleanup_ctx.append(replica_context)


StampWrite = Callable[[web.Request, web.StreamResponse], None]


def write_stamp(settings: Settings) -> StampWrite | None:
    """What stamps an answer to a write with its time (the `sp_last_write` cookie), called by
    the serving wrapper on every answer, errors and refusals included; None without a
    replica."""
    if settings.database_replica_url is None:
        return None
    attributes = f"; HttpOnly; Max-Age={math.ceil(sticky_seconds(settings))}; Path=/; SameSite=Lax"

    def stamp(request: web.Request, response: web.StreamResponse) -> None:
        if request.method in WRITE_METHODS and not 400 <= response.status < 500:
            cookie = f"{LAST_WRITE_COOKIE}={int(time.time() * 1000)}{attributes}"
            response.headers.add(hdrs.SET_COOKIE, cookie)

    return stamp


async def replica_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx, after the primary's: the replica's pool, its check, and the router."""
    settings = app[settings_key]
    # The primary's pool discipline (bounds, timeouts), but no connection made up front: a
    # replica that is down does not hold start-up back.
    replica_settings = attrs.evolve(
        settings, database_url=settings.database_replica_url, pool_min_size=0
    )
    # A replica that stops answering gives up a read after DB_TIMEOUT + 1 s, and the primary
    # answers it (replica_reads.py), rather than the read running out its REQUEST_TIMEOUT.
    pool = await create_pool(
        replica_settings, statement_timeout=settings.db_timeout + CLIENT_MARGIN
    )
    replica_probe = ProbeConnection(replica_settings)
    router = ReadRouter(settings, app[db_key], app[probe_key], pool, replica_probe)
    app[read_router_key] = router
    log.info(
        "read replica %s serves public reads while at most %g s behind the primary",
        router.address,
        settings.replica_max_lag,
    )
    await router.check()
    watching = asyncio.create_task(router.watch())
    yield
    watching.cancel()
    with suppress(asyncio.CancelledError):
        await watching
    replica_probe.close()
    await close_pool(pool, "read replica pool")
