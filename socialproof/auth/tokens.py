"""Access tokens: JWTs signed with HS256 under a `kid`, and the opaque refresh tokens.

Verification pins the algorithm (so `alg: none` and any other algorithm are refused), looks
the key up by `kid` (an unknown one is refused), and requires every claim the service reads.
"""

import hashlib
import secrets
import time
from typing import Any

import attrs
import jwt

from socialproof.auth.keyring import Keyring
from socialproof.settings import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "sub", "iat", "exp", "jti", "scope"]
# Clock difference tolerated between the instance that signs and the one that verifies.
LEEWAY_SECONDS = 2
# Tokens remembered as verified, per process; the memory is emptied when it is full.
VERIFIED_TOKENS_KEPT = 10_000

PLAYER_SUBJECT = "player:"
CLIENT_SUBJECT = "client:"


class InvalidToken(Exception):
    """The token is not one this service signed, or no longer valid."""


def new_refresh_token() -> str:
    """An opaque random string (256 bits): only its hash is stored."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """SHA-256 of a high-entropy token or secret: enough, since nothing can be guessed."""
    return hashlib.sha256(token.encode()).digest()


@attrs.frozen
class TokenSigner:
    """Signs and verifies access tokens with the service's keyring and settings."""

    keyring: Keyring
    issuer: str
    access_ttl: int
    refresh_ttl: int
    # token -> its claims, for tokens that verified. Verifying costs about 60 us of CPU (two
    # JSON parses, an HMAC, the claims' checks), a clients' tokens are sent again and again
    # for their 15 minutes, and only the exact string that verified is found here, until its
    # exp: nothing is accepted that verification would refuse (the keys do not change while
    # the process runs).
    _verified: dict[str, dict[str, Any]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenSigner":
        return cls(
            keyring=Keyring.from_settings(settings),
            issuer=settings.jwt_issuer,
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
        )

    def issue(self, subject: str, scope: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": secrets.token_urlsafe(16),
            "scope": scope,
        }
        return jwt.encode(
            claims,
            self.keyring.signing_key,
            algorithm=ALGORITHM,
            headers={"kid": self.keyring.signing_kid},
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; InvalidToken for anything not signed here, expired or malformed."""
        claims = self._verified.get(token)
        if claims is not None and time.time() < claims["exp"] + LEEWAY_SECONDS:
            return claims
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keyring.keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise InvalidToken("unknown key")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        if not isinstance(claims["sub"], str) or not isinstance(claims["scope"], str):
            raise InvalidToken("malformed claims")
        return claims
