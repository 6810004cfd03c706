"""Who a request comes from: the client address, believing X-Forwarded-For only from trusted
proxies, and the caller a per-caller limit counts."""

from aiohttp import hdrs, web
from multidict import istr

from socialproof.auth.principal import caller
from socialproof.errors import InvalidCredentials
from socialproof.limits.proxies import TrustedProxies

X_FORWARDED_FOR = istr("X-Forwarded-For")


def client_address(request: web.Request, trusted: TrustedProxies) -> str:
    """The socket's peer, unless it is a trusted proxy: then the client it forwards for."""
    peer = request.remote or ""
    if peer in trusted.addresses or trusted.everyone or trusted.networks:
        forwarded_for = request.headers.getall(X_FORWARDED_FOR, None)
        if forwarded_for is not None:
            return trusted.client_of(peer, forwarded_for)
    return peer


def caller_key(request: web.Request, trusted: TrustedProxies) -> str:
    """Whom a per-caller limit counts: the token's subject (a player or a client) when the
    request carries a valid bearer token, else the client address.

    The token is verified here, once: `auth.principal.caller` keeps the principal on the
    request for the handler. A token that fails counts by address; the handler answers 401."""
    if hdrs.AUTHORIZATION in request.headers:
        try:
            principal = caller(request)
        except InvalidCredentials:
            principal = None
        if principal is not None and principal.player_id is not None:
            return f"player:{principal.player_id}"
        if principal is not None and principal.client_id is not None:
            return f"client:{principal.client_id}"
    return f"address:{client_address(request, trusted)}"
