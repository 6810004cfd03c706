"""The keys access tokens are signed with: JWT_SECRET signs, JWT_PREVIOUS_SECRETS still verify.

Each key's `kid` is derived from the key itself (a truncated SHA-256), so rotating is moving
JWT_SECRET's value to JWT_PREVIOUS_SECRETS and setting a new one; once ACCESS_TOKEN_TTL has
passed, the previous one can go. With the embedded database and no JWT_SECRET, a random key is
made once and kept beside the data, so tokens survive restarts.
"""

import hashlib
import os
import secrets
from pathlib import Path

import attrs

from socialproof.settings import Settings, SettingsError

MISSING_SECRET = (
    "JWT_SECRET is not set: with DATABASE_URL, set JWT_SECRET to a random string of at least "
    "32 characters (python -c 'import secrets; print(secrets.token_urlsafe(32))'), or AUTH=off"
)


def kid_of(secret: str) -> str:
    """A key's public name: short, stable, and telling nothing usable about the key."""
    return hashlib.sha256(b"socialproof-jwt-kid:" + secret.encode()).hexdigest()[:16]


@attrs.frozen
class Keyring:
    signing_kid: str
    keys: dict[str, bytes] = attrs.field(repr=False)  # kid -> key, the signing one included

    @property
    def signing_key(self) -> bytes:
        return self.keys[self.signing_kid]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Keyring":
        if settings.jwt_secret is None:
            raise SettingsError(MISSING_SECRET)
        previous = (settings.jwt_previous_secrets or "").split(",")
        secrets_newest_first = [settings.jwt_secret, *(s.strip() for s in previous if s.strip())]
        return cls(
            signing_kid=kid_of(settings.jwt_secret),
            keys={kid_of(secret): secret.encode() for secret in secrets_newest_first},
        )


def key_file(settings: Settings) -> Path:
    """Where the embedded server's generated key is kept: beside its data directory."""
    data_dir = settings.embedded_data_dir
    return data_dir.with_name(f"{data_dir.name}.jwt-secret")


def with_signing_key(settings: Settings) -> Settings:
    """Settings with a JWT_SECRET wherever one is needed, or SettingsError saying what to set.

    AUTH=off needs none; the embedded server gets its kept key (made on first use, mode 0600).
    """
    if settings.auth == "off" or settings.jwt_secret is not None:
        return settings
    if settings.database_url is not None:
        raise SettingsError(MISSING_SECRET)
    path = key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes the key and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(secrets.token_urlsafe(48))
    secret = path.read_text(encoding="ascii").strip()
    return attrs.evolve(settings, jwt_secret=secret)
