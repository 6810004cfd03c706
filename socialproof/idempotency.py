"""Idempotency-Key on the writes that create something: `POST /players/`, `POST /scenarios/` and
`POST /scenarios/{id}/result`, as draft-ietf-httpapi-idempotency-key-header-07 describes.

A request with the header runs in one transaction: it claims the key (sql/idempotency/claim),
runs the handler's statements, keeps the answer (status, body, Location) under the key and
commits, so the key and the write it guards are committed together or not at all. A repeat
with the key runs nothing and gets that answer again, with `Idempotent-Replayed: true`; with
another method, path or body it is 422; while the first still runs, 409. Which request runs is
settled by the key's primary key, in the database, whatever the number of processes.

Kept: successes, and the failures the write itself gave (400, 404, 409): the same request
would get them again. Not kept, so that a retry with the same key runs: refusals before
anything ran (401 and 403 are about the credentials; 413, 415 and 422 about a malformed
request, which the client corrects and sends again with its key) and failures (5xx: nothing
was written). 429 comes from the rate limiter, before the key is looked at.

Keys are scoped to the caller: a bearer token's subject (a player or a client), else the
client address (anonymous sign-ups, and every caller with AUTH=off), as the rate limiter
counts callers. A guarded handler takes the database its statements run on: the pool, or the
key's transaction. A request without the header pays one header lookup and one call.
"""

import functools
import hashlib
import re
from collections.abc import Awaitable, Callable

import asyncpg
import attrs
import orjson
from aiohttp import web
from multidict import istr

from socialproof import queries
from socialproof.errors import BadRequest, Conflict, RequestValidationError, answer_for
from socialproof.headers import Response
from socialproof.keys import db_key, settings_key
from socialproof.limits.callers import caller_key
from socialproof.retry import retried
from socialproof.validation import error_item

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A write handler, given where to run its statements: the pool, or the key's transaction.
WriteHandler = Callable[[web.Request, queries.Db], Awaitable[web.StreamResponse]]

HEADER_NAME = "Idempotency-Key"
HEADER = istr(HEADER_NAME)  # an istr: looked up without case-folding it each time
REPLAYED = "Idempotent-Replayed"
MAX_KEY_CHARS = 255
# The scope column's bound. Only a forwarded client address can be longer; cut, its sender can
# at most share a scope with whoever forwards the same prefix.
MAX_SCOPE_CHARS = 128
# How long a repeat waits for the request running with its key (lock_timeout, for the claim
# only): a duplicate sent a moment after the original gets its answer rather than a 409 to
# retry, and no request holds a connection longer than this waiting for another.
WAIT_FOR_RUNNING = "100ms"
KEPT_FAILURES = frozenset({400, 404, 409})
# Body fields no fingerprint includes (see _without_secrets).
SECRET_FIELDS = frozenset({"password", "current_password"})

INVALID_KEY = "Idempotency-Key must be one string of 1 to 255 printable ASCII characters"
KEY_IN_USE = "A request with this Idempotency-Key is still being processed"
KEY_REUSED = "Idempotency-Key was already used with another request"

# A String of RFC 8941, as the draft writes the key: printable ASCII between double quotes,
# with `"` and `\` escaped by a backslash. A bare value (as most clients send) is the key itself.
_QUOTED = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_ESCAPED = re.compile(r'\\(["\\])')


class KeyInUse(Conflict):
    """A request with the same key is still running (or the key's row is busy): retry."""

    headers = {"Retry-After": "1"}  # noqa: RUF012 (read-only)

    def __init__(self) -> None:
        super().__init__(KEY_IN_USE)


@attrs.frozen
class Claim:
    scope: str
    key: str
    fingerprint: bytes


def parse_key(values: list[str]) -> str:
    """The key of the header's values (sent once), or 400."""
    if len(values) != 1:
        raise BadRequest(INVALID_KEY)
    key = values[0].strip()
    if key.startswith('"'):
        quoted = _QUOTED.fullmatch(key)
        if quoted is None:
            raise BadRequest(INVALID_KEY)
        key = _ESCAPED.sub(r"\1", quoted[1])
    if not (1 <= len(key) <= MAX_KEY_CHARS and key.isascii() and key.isprintable()):
        raise BadRequest(INVALID_KEY)
    return key


def fingerprint(request: web.Request, body: bytes) -> bytes:
    """SHA-256 of the request's method, path (with its query) and body: a JSON body as its
    value (key order and spacing aside) without its secrets, any other body as sent."""
    line = f"{request.method} {request.rel_url.raw_path_qs}\n"
    digest = hashlib.sha256(line.encode("utf-8", "backslashreplace"))
    digest.update(_without_secrets(body))
    return digest.digest()


def _without_secrets(body: bytes) -> bytes:
    """The JSON body, its top-level secrets left out, in one canonical form.

    A fast hash of a body with a password in it, kept in the table, would let whoever reads
    the table test guesses at that password far faster than its argon2 hash allows; a repeat
    that changes nothing but the password is the same sign-up anyway."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body  # the handler refuses it (422, not kept): this fingerprint is never kept
    if isinstance(value, dict):
        value = {name: item for name, item in value.items() if name not in SECRET_FIELDS}
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def scope_of(request: web.Request) -> str:
    """Whose key: the token's subject, else the client address."""
    trusted = request.app[settings_key].forwarded_allow_ips
    return caller_key(request, trusted)[:MAX_SCOPE_CHARS]


def idempotent(handler: WriteHandler) -> Handler:
    """The route's handler: `handler` given the pool, or, for a request with an
    Idempotency-Key, run at most once per key in the key's transaction. `handler` runs every
    statement on the database it is given, answers its successes with a whole body and raises
    its failures."""

    @functools.wraps(handler)
    async def run_once(request: web.Request) -> web.StreamResponse:
        if HEADER not in request.headers:
            return await handler(request, request.app[db_key])
        key = parse_key(request.headers.getall(HEADER))
        claim = Claim(scope_of(request), key, fingerprint(request, await request.read()))
        return await _run_once(request.app[db_key], request, handler, claim)

    return run_once


@retried  # a deadlock in the handler's write aborted the whole transaction: run it all again
async def _run_once(
    pool: asyncpg.Pool, request: web.Request, handler: WriteHandler, claim: Claim
) -> web.StreamResponse:
    ttl = request.app[settings_key].idempotency_key_ttl
    failure: Exception | None = None
    async with pool.acquire() as conn, conn.transaction():
        try:
            if not await queries.claim_idempotency_key(
                conn, claim.scope, claim.key, claim.fingerprint, ttl, WAIT_FOR_RUNNING
            ):
                return await _replay(conn, claim)
        except asyncpg.LockNotAvailableError:
            raise KeyInUse() from None
        await queries.idempotency_savepoint(conn)
        try:
            response = await handler(request, conn)
        except Exception as error:
            status, detail = answer_for(error)
            if status not in KEPT_FAILURES:
                raise  # the transaction rolls back: no key is left behind
            # The failed write leaves nothing behind (its statement may have aborted the
            # transaction); the claim stays, and keeps the answer.
            await queries.idempotency_rollback_to_savepoint(conn)
            body = orjson.dumps({"detail": detail})
            await queries.keep_idempotent_answer(conn, claim.scope, claim.key, status, body, None)
            failure = error
        else:
            if not (isinstance(response, web.Response) and isinstance(response.body, bytes)):
                raise TypeError("an idempotent handler answers with a whole body")
            await queries.keep_idempotent_answer(
                conn,
                claim.scope,
                claim.key,
                response.status,
                response.body,
                response.headers.get("Location"),
            )
    if failure is not None:
        raise failure  # committed with its answer; answered as any failure is (errors.answer)
    return response


async def _replay(conn: queries.Db, claim: Claim) -> web.Response:
    """The answer kept for the claim's key, or 422 when the key was used for another request."""
    kept = await queries.find_idempotency_key(conn, claim.scope, claim.key, claim.fingerprint)
    if kept is None:
        # The claim locked the key's row, so it cannot be gone; were it ever, a retry decides.
        raise KeyInUse()
    if not kept["same_request"]:
        raise RequestValidationError(
            [error_item(["header", HEADER_NAME], "idempotency_key_reused", KEY_REUSED)]
        )
    headers = {} if kept["location"] is None else {"Location": kept["location"]}
    headers[REPLAYED] = "true"
    return Response(
        body=kept["body"], status=kept["status"], content_type="application/json", headers=headers
    )
