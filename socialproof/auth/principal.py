"""Who is calling: the bearer token of a request, verified once, as a `Principal`.

No middleware: a handler that needs the caller asks for it, so routes that do not (sign-up,
health, the docs) pay nothing, and a request without an Authorization header costs one
header lookup: no crypto, no database.
"""

import functools

import attrs
from aiohttp import hdrs, web

from socialproof.auth.tokens import CLIENT_SUBJECT, PLAYER_SUBJECT, InvalidToken
from socialproof.errors import InvalidCredentials, NotAuthenticated
from socialproof.keys import signer_key

PLAYER = "player"
RESULTS_WRITE = "results:write"
ADMIN = "admin"


@attrs.frozen
class Principal:
    """The caller: a player (their id, scope `player`), a client (its scopes), or no one."""

    scopes: frozenset[str]
    player_id: int | None = None
    client_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.scopes

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes

    def is_player(self, player_id: int) -> bool:
        return self.player_id == player_id and PLAYER in self.scopes


ANONYMOUS = Principal(scopes=frozenset())
# AUTH=off: every caller may do everything, as before the service had accounts.
UNRESTRICTED = Principal(scopes=frozenset({ADMIN}))

principal_key = web.RequestKey("principal", Principal)


def from_claims(claims: dict[str, object]) -> Principal:
    principal = _principal(str(claims["sub"]), str(claims["scope"]))
    if principal is None:
        raise InvalidCredentials()
    return principal


# Kept per subject and scope: a caller's every request would otherwise parse the same scope
# string and build the same frozen Principal again.
@functools.lru_cache(maxsize=4096)
def _principal(subject: str, scope: str) -> Principal | None:
    """The caller a token's `sub` and `scope` name; None when they name no one valid."""
    scopes = frozenset(scope.split())
    if subject.startswith(PLAYER_SUBJECT) and scopes == {PLAYER}:
        player_id = subject.removeprefix(PLAYER_SUBJECT)
        if player_id.isdigit():
            return Principal(scopes=scopes, player_id=int(player_id))
    elif subject.startswith(CLIENT_SUBJECT) and scopes and PLAYER not in scopes:
        return Principal(scopes=scopes, client_id=subject.removeprefix(CLIENT_SUBJECT))
    return None


def caller(request: web.Request) -> Principal:
    """The caller, anonymous when there is no bearer token; 401 for a token that fails."""
    signer = request.app[signer_key]
    if signer is None:
        return UNRESTRICTED
    header = request.headers.get(hdrs.AUTHORIZATION)
    if header is None:
        return ANONYMOUS
    found = request.get(principal_key)  # the limiter may have asked already
    if found is None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            found = ANONYMOUS  # not a bearer token: as if none was sent
        else:
            try:
                found = from_claims(signer.verify(token.strip()))
            except InvalidToken:
                raise InvalidCredentials() from None
        request[principal_key] = found
    return found


def authenticated(request: web.Request) -> Principal:
    """The caller, who must have presented a valid token (401 otherwise)."""
    found = caller(request)
    if found.is_anonymous:
        raise NotAuthenticated()
    return found
