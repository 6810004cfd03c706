"""The OAuth2 token endpoint (RFC 6749) and token revocation (RFC 7009).

Form bodies in, JSON out, and `Cache-Control: no-store` on every answer: tokens must not be
kept by caches. Errors are RFC 6749 section 5.2's `{"error", "error_description"}`.
"""

import binascii
from typing import Any
from urllib.parse import unquote_plus

import asyncpg
import orjson
from aiohttp import BasicAuth, web

from socialproof import queries
from socialproof.auth import passwords
from socialproof.auth.principal import ADMIN, PLAYER, RESULTS_WRITE
from socialproof.auth.tokens import (
    CLIENT_SUBJECT,
    PLAYER_SUBJECT,
    TokenSigner,
    new_refresh_token,
    token_hash,
)
from socialproof.headers import Response
from socialproof.keys import db_key, signer_key

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Nothing valid is longer: a longer value is refused without hashing it.
MAX_FIELD_LENGTH = 256
BAD_LOGIN = "Incorrect username or password"


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def _invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)


def _invalid_grant(description: str) -> OAuthError:
    return OAuthError(400, "invalid_grant", description)


def _answer(body: dict[str, Any], status: int = 200, **headers: str) -> web.Response:
    return Response(
        body=orjson.dumps(body),
        status=status,
        content_type="application/json",
        headers={**NO_STORE, **headers},
    )


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != "application/x-www-form-urlencoded":
        raise _invalid_request("The body must be application/x-www-form-urlencoded")
    form = await request.post()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _field(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise _invalid_request(f"Missing {name}")
    if len(value) > MAX_FIELD_LENGTH:
        raise _invalid_request(f"{name} is too long")
    return value


def _requested_scopes(form: dict[str, str], allowed: frozenset[str]) -> frozenset[str]:
    """The scopes asked for (all that are allowed when none are named)."""
    requested = frozenset(form.get("scope", "").split())
    if not requested:
        return allowed
    if not requested <= allowed:
        raise OAuthError(400, "invalid_scope", f"Scope not granted: {' '.join(sorted(requested))}")
    return requested


def _scope_text(scopes: frozenset[str]) -> str:
    order = (PLAYER, RESULTS_WRITE, ADMIN)
    return " ".join(scope for scope in order if scope in scopes)


def _player_tokens(signer: TokenSigner, player_id: int, refresh_token: str) -> web.Response:
    return _answer(
        {
            "access_token": signer.issue(f"{PLAYER_SUBJECT}{player_id}", PLAYER),
            "token_type": "bearer",
            "expires_in": signer.access_ttl,
            "refresh_token": refresh_token,
            "scope": PLAYER,
            "player_id": player_id,
        }
    )


async def _password_grant(
    request: web.Request, signer: TokenSigner, form: dict[str, str]
) -> web.Response:
    login, password = _field(form, "username"), _field(form, "password")
    _requested_scopes(form, frozenset({PLAYER}))
    db = request.app[db_key]
    found = await queries.find_credentials(db, login)
    if found is None:
        # As long as a wrong password takes, so that timing does not tell who has an account.
        await passwords.spend_verification_time(password)
        raise _invalid_grant(BAD_LOGIN)
    matches, rehash = await passwords.verify_password(found["password_hash"], password)
    if not matches:
        raise _invalid_grant(BAD_LOGIN)
    refresh_token = new_refresh_token()
    try:
        session = await queries.start_session(
            db,
            found["player_id"],
            found["password_hash"],
            rehash,
            token_hash(refresh_token),
            signer.refresh_ttl,
        )
    except asyncpg.ForeignKeyViolationError:  # the player was deleted meanwhile
        session = None
    if session is None:  # the password changed meanwhile
        raise _invalid_grant(BAD_LOGIN)
    return _player_tokens(signer, found["player_id"], refresh_token)


async def _refresh_grant(
    request: web.Request, signer: TokenSigner, form: dict[str, str]
) -> web.Response:
    presented = _field(form, "refresh_token")
    _requested_scopes(form, frozenset({PLAYER}))
    refresh_token = new_refresh_token()
    player_id = await queries.rotate_refresh_token(
        request.app[db_key], token_hash(presented), token_hash(refresh_token), signer.refresh_ttl
    )
    if player_id is None:
        raise _invalid_grant("Invalid, expired or revoked refresh token")
    return _player_tokens(signer, player_id, refresh_token)


def _client_credentials(request: web.Request, form: dict[str, str]) -> tuple[str, str]:
    """(client_id, client_secret) from HTTP Basic (RFC 6749 2.3.1) or else from the form."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            basic = BasicAuth.decode(header)
        except (ValueError, binascii.Error):
            raise OAuthError(401, "invalid_client", "Malformed Basic credentials") from None
        return unquote_plus(basic.login), unquote_plus(basic.password)
    return form.get("client_id", ""), form.get("client_secret", "")


async def _client_credentials_grant(
    request: web.Request, signer: TokenSigner, form: dict[str, str]
) -> web.Response:
    client_id, secret = _client_credentials(request, form)
    scope = None
    if client_id and secret and len(client_id) <= MAX_FIELD_LENGTH:
        scope = await queries.authenticate_client(
            request.app[db_key], client_id, token_hash(secret)
        )
    if scope is None:
        raise OAuthError(401, "invalid_client", "Unknown client or wrong secret")
    granted = _scope_text(_requested_scopes(form, frozenset(scope.split())))
    return _answer(
        {
            "access_token": signer.issue(f"{CLIENT_SUBJECT}{client_id}", granted),
            "token_type": "bearer",
            "expires_in": signer.access_ttl,
            "scope": granted,
        }
    )


GRANTS = {
    "password": _password_grant,
    "refresh_token": _refresh_grant,
    "client_credentials": _client_credentials_grant,
}


async def token(request: web.Request) -> web.Response:
    """POST /auth/token: the password, refresh_token and client_credentials grants."""
    signer = request.app[signer_key]
    try:
        if signer is None:
            raise OAuthError(400, "unsupported_grant_type", "Tokens are not used: AUTH is off")
        form = await _form(request)
        grant_type = _field(form, "grant_type")
        grant = GRANTS.get(grant_type)
        if grant is None:
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant: {grant_type}")
        return await grant(request, signer, form)
    except OAuthError as error:
        headers = {"WWW-Authenticate": 'Basic realm="socialproof"'} if error.status == 401 else {}
        body = {"error": error.error, "error_description": error.description}
        return _answer(body, error.status, **headers)


async def revoke(request: web.Request) -> web.Response:
    """POST /auth/revoke: end the session of a refresh token; 200 whatever the token was."""
    try:
        presented = (await _form(request)).get("token", "")
    except OAuthError:  # not a form: there is no token to revoke
        presented = ""
    if 0 < len(presented) <= MAX_FIELD_LENGTH:
        await queries.end_session(request.app[db_key], token_hash(presented))
    return Response(status=200, headers=NO_STORE)
