"""Keyset cursors: where a page ended, as an opaque URL-safe string, and the `Link` to the next.

A cursor holds the sort key of a page's last row (the leaderboard's rating and player id, a
list's id), so that the next page is an index seek from there rather than an OFFSET walk. It
is bound by an HMAC to the list that made it: the route, and the path and filters that select
the rows (a player's id, a scenario type), so a cursor edited by hand, cut short, or taken
from another list is refused (422 on `query.cursor`) instead of silently paging something
else.

The HMAC key is derived from the token keyring (JWT_SECRET signs; JWT_PREVIOUS_SECRETS still
verify, so cursors survive a key rotation as tokens do). Without a JWT_SECRET (AUTH=off) a
fixed key is used: a cursor is then checked for integrity, not secrecy. Nothing depends on
secrecy: a forged cursor only names a position in a list its bearer may read anyway, the
query still filters by what the path and parameters say, and ranks are counted from the
table, never taken from the cursor.
"""

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import orjson
from aiohttp import hdrs, web
from asyncpg import Record
from multidict import MultiDict

from socialproof.auth.keyring import Keyring
from socialproof.errors import RequestValidationError
from socialproof.keys import cursors_key
from socialproof.settings import Settings
from socialproof.validation import error_item

_VERSION = 1
_TAG_BYTES = 16  # a truncated HMAC-SHA256: 128 bits, as RFC 2104 allows
_KEY_LABEL = b"socialproof-cursor"
# The key without a JWT_SECRET: integrity only (see the module's docstring).
_PUBLIC_KEY = hashlib.sha256(_KEY_LABEL).digest()

INVALID_CURSOR = "Value error, invalid cursor: use the Link of the previous page"
CURSOR_WITH_SKIP = "Value error, skip must be 0 with a cursor: the cursor says where to start"


class InvalidCursor(ValueError):
    """Not a cursor this list made with a key the service holds."""


@attrs.frozen
class Listing:
    """A list that pages by cursor: its name, and the sort key of a row, packed."""

    name: str
    layout: struct.Struct
    position: Callable[[Record], tuple[Any, ...]]


LEADERBOARD = Listing(
    "leaderboard",
    struct.Struct(">dq"),
    lambda row: (row["player_skill_rating"], row["player_id"]),
)
PLAYERS = Listing("players", struct.Struct(">q"), lambda row: (row["id"],))
PLAYER_SCENARIOS = Listing("player_scenarios", struct.Struct(">q"), lambda row: (row["id"],))


def _encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _derived(secret: bytes) -> bytes:
    """A key for cursors alone, so that no cursor tag is ever a token signature."""
    return hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()


class Cursors:
    """Makes and reads cursors; the first key signs, every key verifies."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._keys = tuple(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Cursors":
        if settings.jwt_secret is None:
            return cls([_PUBLIC_KEY])
        keyring = Keyring.from_settings(settings)
        newest_first = [keyring.signing_key] + [
            key for kid, key in keyring.keys.items() if kid != keyring.signing_kid
        ]
        return cls([_derived(key) for key in newest_first])

    @staticmethod
    def _tag(key: bytes, listing: Listing, scope: bytes, body: bytes) -> bytes:
        message = b"%s\x00%s\x00%s" % (listing.name.encode(), scope, body)
        return hmac.new(key, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def make(self, listing: Listing, scope: bytes, position: tuple[Any, ...]) -> str:
        body = bytes([_VERSION]) + listing.layout.pack(*position)
        tag = self._tag(self._keys[0], listing, scope, body)
        return _encoded(body + tag)

    def read(self, listing: Listing, scope: bytes, cursor: str) -> tuple[Any, ...]:
        """The position `cursor` holds; InvalidCursor unless this list made it."""
        size = 1 + listing.layout.size + _TAG_BYTES
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("not base64url") from None
        # One spelling per cursor: the decoder skips characters outside the alphabet.
        if _encoded(raw) != cursor:
            raise InvalidCursor("not in the canonical spelling")
        if len(raw) != size or raw[0] != _VERSION:
            raise InvalidCursor("not this list's layout")
        body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if not any(
            hmac.compare_digest(tag, self._tag(key, listing, scope, body)) for key in self._keys
        ):
            raise InvalidCursor("tag does not match")
        return listing.layout.unpack(body[1:])


def scope_of(*selectors: object) -> bytes:
    """What selects a list's rows besides its route (a player's id, the filters), as the bytes
    a cursor is bound to."""
    return orjson.dumps(selectors)


def position_after(
    request: web.Request, listing: Listing, cursor: str | None, skip: int, scope: bytes = b""
) -> tuple[Any, ...] | None:
    """Where the request's page starts: after the position its cursor holds, or None without
    one. 422 on `query.cursor` for a cursor this list did not make; on `query.skip` for a skip
    beside a cursor (an offset from it would walk the index again)."""
    if cursor is None:
        return None
    if skip:
        raise RequestValidationError(
            [error_item(["query", "skip"], "value_error", CURSOR_WITH_SKIP)]
        )
    try:
        return request.app[cursors_key].read(listing, scope, cursor)
    except InvalidCursor:
        raise RequestValidationError(
            [error_item(["query", "cursor"], "value_error", INVALID_CURSOR)]
        ) from None


def next_page(
    request: web.Request, listing: Listing, rows: list[Record], limit: int, scope: bytes = b""
) -> tuple[list[Record], dict[str, str] | None]:
    """The page out of `rows`, read with one row more than `limit`, and the headers that point
    to the next page when that row came: `Link: <...>; rel="next"` (RFC 8288), the request's
    own path and parameters with the cursor, and without skip."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    cursor = request.app[cursors_key].make(listing, scope, listing.position(rows[-1]))
    query = MultiDict(
        (name, value)
        for name, value in request.rel_url.query.items()
        if name not in {"skip", "cursor"}
    )
    query["cursor"] = cursor
    url = request.rel_url.with_query(query)
    return rows, {hdrs.LINK: f'<{url}>; rel="next"'}
