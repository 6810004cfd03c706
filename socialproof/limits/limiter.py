"""The rate limiter in front of the handlers: which policy guards each route, the store that
counts it, and the answers: 429 with Retry-After, and the RateLimit-Policy and RateLimit fields
of draft-ietf-httpapi-ratelimit-headers-10 on every limited response.

Policies (settings RATE_LIMIT_AUTH, RATE_LIMIT_WRITE, RATE_LIMIT_READ; RATE_LIMITS=off for none):
- auth: POST /auth/token and POST /players/ (sign-up), per client address; password logins
  also per account (the form's username, lower-cased), so that many addresses cannot try one
  account faster than the limit;
- write: every other POST, PUT, PATCH and DELETE, per caller;
- read: GET and HEAD, per caller.
/, /health*, /metrics, /docs* and /openapi.json are never limited.

A rejected request does no work: the limiter runs before the handler, so no SQL and no password
hash. Its body has been read by then, as every body is (whole, bounded in size and time, by
`socialproof.serving`), which the per-account check needs and the connection would have to
do anyway before it can carry the next request.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import attrs
import orjson
from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute
from multidict import istr

from socialproof.errors import RETRY_AFTER, answer_for, error_response
from socialproof.headers import Response
from socialproof.keys import db_key
from socialproof.limits.callers import TrustedProxies, caller_key, client_address
from socialproof.limits.rates import Decision, Rate
from socialproof.limits.stores import (
    MemoryStore,
    PostgresStore,
    RedisStore,
    Store,
    StoreUnavailable,
)
from socialproof.settings import Settings

log = logging.getLogger(__name__)

AUTH, WRITE, READ = "auth", "write", "read"
ACCOUNT = "auth-account"  # the auth policy's per-account count, a policy of its own in headers

AUTH_ROUTES = frozenset({("POST", "/auth/token"), ("POST", "/players/"), ("POST", "/players")})
ACCOUNT_ROUTES = frozenset({("POST", "/auth/token")})
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD"})
_NEVER_LIMITED = ("/health", "/metrics", "/docs", "/openapi.json")

# Keys are bounded: a longer caller (a forwarded address or a username) is cut, which can only
# make the caller who sent it share a count with others.
MAX_KEY_CHARS = 256

# Expired keys are forgotten this often (memory and PostgreSQL; Redis expires its own).
PURGE_SECONDS = 60.0

#: Called with the policy's name for each refused request (the metrics module adds its counter).
on_rejected: list[Callable[[str], None]] = []
#: Called with the policy's name for each request whose store could not answer.
on_store_unavailable: list[Callable[[str], None]] = []

# istr: set without case-folding the name on every request.
POLICY_HEADER = istr("RateLimit-Policy")
LIMIT_HEADER = istr("RateLimit")

_TOO_MANY = orjson.dumps({"detail": "Too Many Requests"})
LIMITER_UNAVAILABLE = "Rate limiter unavailable"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def policy_of(method: str, path: str) -> str | None:
    """The policy guarding a route, by method and path template; None: not limited."""
    if path == "/" or path.startswith(_NEVER_LIMITED):
        return None
    if (method, path) in AUTH_ROUTES:
        return AUTH
    if method in _WRITE_METHODS:
        return WRITE
    if method in _READ_METHODS:
        return READ
    return None


@attrs.frozen
class Guard:
    """A policy as one route sees it: its rate, its store, and its header values."""

    name: str
    rate: Rate
    store: Store
    fails_closed: bool  # when the store cannot answer: refuse (503) rather than admit
    account: "Guard | None" = None  # password logins: the count per account, after this one
    policy_field: str = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda guard: f'"{guard.name}";q={guard.rate.limit};w={guard.rate.period}',
            takes_self=True,
        ),
    )

    def limit_field(self, decision: Decision) -> str:
        return f'"{self.name}";r={decision.remaining};t={decision.reset_seconds}'


class Limiter:
    """The policies of one app; `admit` applies them (called by `socialproof.serving`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.trusted: TrustedProxies = settings.forwarded_allow_ips
        self.rates: dict[str, Rate | None] = {
            AUTH: settings.rate_limit_auth,
            WRITE: settings.rate_limit_write,
            READ: settings.rate_limit_read,
        }
        self._guards: dict[AbstractRoute, Guard] = {}
        self._stores: list[Store] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limiter | None":
        """The limiter, or None when every policy is off."""
        limiter = cls(settings)
        if not settings.rate_limits or not any(limiter.rates.values()):
            return None
        return limiter

    def _build_guards(self, app: web.Application) -> None:
        """Every route's guard, worked out once at start-up (routes added late count too)."""
        settings = self.settings
        if settings.redis_url is not None:
            redis_store = RedisStore(
                settings.redis_url, settings.redis_key_prefix, settings.redis_timeout
            )
            self._stores = [redis_store]
            guards = {
                name: Guard(name, rate, redis_store, fails_closed=name == AUTH)
                for name, rate in self.rates.items()
                if rate is not None
            }
        else:
            # One machine, several workers: the auth policy is shared through PostgreSQL;
            # reads and writes are counted per process at the rate divided by WORKERS.
            postgres = PostgresStore(app[db_key], purge_timeout=settings.db_timeout)
            memory = MemoryStore()
            self._stores = [postgres, memory]
            guards = {}
            if (auth := self.rates[AUTH]) is not None:
                guards[AUTH] = Guard(AUTH, auth, postgres, fails_closed=True)
            for name in (WRITE, READ):
                if (rate := self.rates[name]) is not None:
                    guards[name] = Guard(
                        name, rate.divided(settings.workers), memory, fails_closed=False
                    )
        for route in app.router.routes():
            method, path = route.method, route.resource.canonical if route.resource else ""
            guard = guards.get(policy_of(method, path) or "")
            if guard is not None and (method, path) in ACCOUNT_ROUTES:
                guard = attrs.evolve(guard, account=attrs.evolve(guard, name=ACCOUNT))
            if guard is not None:
                self._guards[route] = guard

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """cleanup_ctx: the stores and their purge live as long as the app (after the pool)."""
        self._build_guards(app)
        purging = asyncio.create_task(self._purge_every(PURGE_SECONDS))
        yield
        purging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purging
        for store in self._stores:
            if isinstance(store, RedisStore):
                await store.close()

    async def purge(self) -> None:
        """Forget the keys whose quota is whole again, in every store."""
        for store in self._stores:
            try:
                await store.purge()
            except Exception:
                log.warning("purging expired rate-limit keys failed", exc_info=True)

    async def _purge_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.purge()

    async def admit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """`handler`'s answer if the route's policy admits the request (per caller; auth: per
        client address, then for a password login per account), else the refusal."""
        guard = self._guards.get(request.match_info.route)
        if guard is None:
            return await handler(request)
        if guard.name == AUTH:
            key = f"{AUTH}:address:{client_address(request, self.trusted)}"
        else:
            key = f"{guard.name}:{caller_key(request, self.trusted)}"
        store = guard.store
        try:
            if isinstance(store, MemoryStore):  # no wait: no coroutine either
                decision = store.take_now(key[:MAX_KEY_CHARS], guard.rate)
            else:
                decision = await store.take(key[:MAX_KEY_CHARS], guard.rate)
        except Exception as error:  # counted, then failing open or closed as the policy says
            answer = _store_failed(guard, error)
            return answer if answer is not None else await handler(request)
        if not decision.admitted:
            return _too_many(guard, decision)
        account = None
        if guard.account is not None:
            account = await self._per_account(request, guard.account)
            if isinstance(account, web.Response):
                return account
        response = await handler(request)
        if response.prepared:
            return response
        if account is None:
            response.headers[POLICY_HEADER] = guard.policy_field
            response.headers[LIMIT_HEADER] = guard.limit_field(decision)
        else:
            assert guard.account is not None
            response.headers[POLICY_HEADER] = f"{guard.policy_field}, {guard.account.policy_field}"
            response.headers[LIMIT_HEADER] = (
                f"{guard.limit_field(decision)}, {guard.account.limit_field(account)}"
            )
        return response

    async def _per_account(
        self, request: web.Request, guard: Guard
    ) -> Decision | web.Response | None:
        """A password login's count per account (the form's username, lower-cased): its
        decision, the answer that refuses the request, or None for any other body. The body is
        in memory already: it was read whole before the limiter runs."""
        username = await _password_login_username(request)
        if username is None:
            return None
        key = f"{ACCOUNT}:{username[:MAX_KEY_CHARS].lower()}"
        try:
            decision = await guard.store.take(key[:MAX_KEY_CHARS], guard.rate)
        except Exception as error:  # counted, then failing open or closed as the policy says
            return _store_failed(guard, error)
        if not decision.admitted:
            return _too_many(guard, decision)
        return decision


def _store_failed(guard: Guard, error: Exception) -> web.Response | None:
    """When the store cannot answer: for Redis, 503 if the policy fails closed, else None (the
    request goes on uncounted); for PostgreSQL, the answer any other failure would get
    (503 when the database is down). Counted either way; Redis logs its own outage."""
    for hook in on_store_unavailable:
        hook(guard.name)
    if isinstance(error, StoreUnavailable):
        if guard.fails_closed:
            return error_response(503, LIMITER_UNAVAILABLE, RETRY_AFTER)
        return None
    status, detail = answer_for(error)
    if status == 503:
        log.warning("rate limits: database unavailable: %r", error)
        return error_response(status, detail, RETRY_AFTER)
    log.error("rate limits: the store failed", exc_info=error)
    return error_response(status, detail)


limiter_key = web.AppKey("limiter", Limiter)


async def _password_login_username(request: web.Request) -> str | None:
    """The form's username when the body is an OAuth2 password grant, else None."""
    if request.content_type != "application/x-www-form-urlencoded":
        return None  # multipart is refused before the limiter runs; JSON is no login
    try:
        form = await request.post()
    except ValueError:
        return None  # the handler answers a malformed form
    username = form.get("username")
    if form.get("grant_type") != "password" or not isinstance(username, str) or not username:
        return None
    return username


def _too_many(guard: Guard, decision: Decision) -> web.Response:
    for hook in on_rejected:
        hook(guard.name)
    return Response(
        body=_TOO_MANY,
        status=429,
        content_type="application/json",
        headers={
            "Retry-After": str(decision.retry_seconds),
            POLICY_HEADER: guard.policy_field,
            LIMIT_HEADER: guard.limit_field(decision),
        },
    )
