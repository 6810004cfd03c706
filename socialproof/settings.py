"""Settings: one declarative class, read from environment variables with `.env` filling in.

Each field names its variable and says what it means; `Settings.from_env` structures the raw
strings with cattrs (numbers, flags, paths), and the test suite holds the README's table to
these fields.
"""

import os
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

import attrs
import cattrs
from dotenv import dotenv_values

from socialproof.limits.proxies import TrustedProxies
from socialproof.limits.rates import Rate, parse_rate

# How settings spell true and false (case-insensitive).
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))

Networks = tuple[IPv4Network | IPv6Network, ...]


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


def at_least(minimum: float) -> Any:
    """attrs validator: the value is `minimum` or more."""

    def check(_instance: object, field: "attrs.Attribute[float]", value: float) -> None:
        if value < minimum:
            raise SettingsError(f"{field.metadata['env']} must be at least {minimum}, not {value}")

    return check


def one_of(*choices: str) -> Any:
    """attrs validator: the value is one of `choices`."""

    def check(_instance: object, field: "attrs.Attribute[str]", value: str) -> None:
        if value not in choices:
            raise SettingsError(
                f"{field.metadata['env']} must be one of {', '.join(choices)}, not {value!r}"
            )

    return check


def secret_of_length(minimum: int) -> Any:
    """attrs validator: a secret of at least `minimum` characters, or none; never shown."""

    def check(_instance: object, field: "attrs.Attribute[str | None]", value: str | None) -> None:
        if value is not None and len(value) < minimum:
            raise SettingsError(f"{field.metadata['env']} must be at least {minimum} characters")

    return check


def setting(env: str, default: Any, help: str, **field: Any) -> Any:
    """A settings field read from the environment variable `env`; `help` says what it does."""
    return attrs.field(default=default, metadata={"env": env, "help": help}, **field)


@attrs.frozen(kw_only=True)
class Settings:
    """Everything the service reads from its environment."""

    database_url: str | None = setting(
        "DATABASE_URL", None, "PostgreSQL to use; unset: the embedded server"
    )
    database_replica_url: str | None = setting(
        "DATABASE_REPLICA_URL",
        None,
        "a streaming standby of DATABASE_URL that serves public reads; unset: the primary does",
    )
    replica_max_lag: float = setting(
        "REPLICA_MAX_LAG",
        2.0,
        "seconds the replica may be behind the primary and still serve reads",
        validator=at_least(0.2),
    )
    embedded_data_dir: Path = setting(
        "EMBEDDED_PG_DIR",
        Path(".pgdata"),
        "where the embedded server keeps its data",
        converter=Path.absolute,
    )
    migrate_on_start: bool = setting(
        "MIGRATE_ON_START", False, "apply pending migrations at start-up when DATABASE_URL is set"
    )
    host: str = setting("HOST", "127.0.0.1", "address to listen on")
    port: int = setting("PORT", 8000, "port to listen on", validator=at_least(0))
    workers: int = setting("WORKERS", 1, "server processes sharing the port", validator=at_least(1))
    pool_min_size: int = setting(
        "DB_POOL_MIN_SIZE", 2, "connections each worker keeps open", validator=at_least(0)
    )
    pool_max_size: int = setting(
        "DB_POOL_MAX_SIZE", 32, "connections each worker may open", validator=at_least(1)
    )
    db_acquire_timeout: float = setting(
        "DB_ACQUIRE_TIMEOUT",
        2.0,
        "seconds a request waits for a free pool connection before answering 503",
        validator=at_least(0.01),
    )
    statement_cache_size: int = setting(
        "DB_STATEMENT_CACHE_SIZE",
        100,
        "prepared statements each connection keeps (asyncpg's statement_cache_size); 0 behind "
        "pgbouncer older than 1.21 in transaction mode",
        validator=at_least(0),
    )
    db_timeout: float = setting(
        "DB_TIMEOUT",
        4.0,
        "seconds a statement may run (statement_timeout) before answering 503",
        validator=at_least(0.1),
    )
    request_timeout: float = setting(
        "REQUEST_TIMEOUT",
        8.0,
        "seconds a whole request may take before answering 503",
        validator=at_least(0.1),
    )
    health_timeout: float = setting(
        "HEALTH_TIMEOUT",
        1.0,
        "seconds /health and /health/ready wait for the database before answering 503",
        validator=at_least(0.1),
    )
    shutdown_delay: float = setting(
        "SHUTDOWN_DELAY",
        5.0,
        "seconds to keep serving after SIGTERM, with /health/ready at 503",
        validator=at_least(0),
    )
    shutdown_timeout: float = setting(
        "SHUTDOWN_TIMEOUT",
        10.0,
        "seconds in-flight requests get to finish once the service stops accepting",
        validator=at_least(0),
    )
    access_log: bool = setting("ACCESS_LOG", False, "log every request")
    log_level: str = setting(
        "LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR", converter=str.upper
    )
    header_timeout: float = setting(
        "HEADER_TIMEOUT",
        15.0,
        "seconds to send a request's headers, from connecting or from the previous answer",
        validator=at_least(0.1),
    )
    body_timeout: float = setting(
        "BODY_TIMEOUT",
        30.0,
        "seconds for a request's body to arrive whole before answering 408",
        validator=at_least(0.1),
    )
    max_connections: int = setting(
        "MAX_CONNECTIONS",
        256,
        "open connections per worker; more are answered 503 and closed",
        validator=at_least(1),
    )
    rate_limits: bool = setting("RATE_LIMITS", True, "off: no rate limit at all")
    rate_limit_auth: Rate | None = setting(
        "RATE_LIMIT_AUTH",
        Rate(10, 60),
        "sign-ups and logins per client address, and logins per account",
    )
    rate_limit_write: Rate | None = setting(
        "RATE_LIMIT_WRITE", Rate(60, 60), "other writes per caller"
    )
    rate_limit_read: Rate | None = setting("RATE_LIMIT_READ", Rate(600, 60), "reads per caller")
    forwarded_allow_ips: TrustedProxies = setting(
        "FORWARDED_ALLOW_IPS",
        TrustedProxies.parse("127.0.0.1"),
        "proxies whose X-Forwarded-For is believed: addresses, networks, or *",
    )
    redis_url: str | None = setting(
        "REDIS_URL", None, "Redis for every rate limit; unset: PostgreSQL and memory"
    )
    redis_key_prefix: str = setting(
        "REDIS_KEY_PREFIX", "socialproof:limits:", "prefix of the rate limiter's Redis keys"
    )
    redis_timeout: float = setting(
        "REDIS_TIMEOUT",
        0.5,
        "seconds to wait for Redis to connect or answer before the failure rule applies",
        validator=at_least(0.01),
    )
    log_format: str = setting(
        "LOG_FORMAT",
        "auto",
        "json (one object a line), text, or auto: json unless stderr is a terminal",
        converter=str.lower,
        validator=one_of("auto", "json", "text"),
    )
    metrics_allow_ips: Networks = setting(
        "METRICS_ALLOW_IPS", _LOOPBACK, "addresses (or CIDRs) that may read /metrics"
    )
    cors_allow_origins: tuple[str, ...] = setting(
        "CORS_ALLOW_ORIGINS", (), "browser origins allowed to call the API (CORS)"
    )
    auth: str = setting(
        "AUTH",
        "required",
        "required: tokens guard writes and private reads; off: no one needs a token",
        converter=str.lower,
        validator=one_of("required", "off"),
    )
    # Secrets are never shown: repr=False keeps them out of logs and tracebacks.
    jwt_secret: str | None = setting(
        "JWT_SECRET",
        None,
        "the key access tokens are signed with (HS256); unset with the embedded server: a "
        "random one kept beside its data",
        validator=secret_of_length(32),
        repr=False,
    )
    jwt_previous_secrets: str | None = setting(
        "JWT_PREVIOUS_SECRETS",
        None,
        "earlier JWT_SECRETs, comma-separated: tokens they signed are still accepted",
        repr=False,
    )
    jwt_issuer: str = setting("JWT_ISSUER", "socialproof", "the tokens' iss claim")
    access_token_ttl: int = setting(
        "ACCESS_TOKEN_TTL", 900, "seconds an access token is valid", validator=at_least(1)
    )
    refresh_token_ttl: int = setting(
        "REFRESH_TOKEN_TTL", 2592000, "seconds a refresh token is valid", validator=at_least(60)
    )
    idempotency_key_ttl: int = setting(
        "IDEMPOTENCY_KEY_TTL",
        86400,
        "seconds an Idempotency-Key and the answer it was given are kept",
        validator=at_least(1),
    )

    def __attrs_post_init__(self) -> None:
        if self.pool_min_size > self.pool_max_size:
            raise SettingsError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> "Settings":
        """Read settings: the process environment wins over `.env`, which wins over defaults.

        `.env` and a relative EMBEDDED_PG_DIR are taken from the working directory (the
        checkout, for `make run`). An empty variable counts as unset.
        """
        env_file = env_file if env_file is not None else Path(".env")
        values: dict[str, str] = {}
        if env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        raw = {
            field.name: values[env]
            for env, field in env_names().items()
            if values.get(env, "").strip() != ""
        }
        try:
            return _converter.structure(raw, cls)
        except cattrs.ClassValidationError as group:
            raise SettingsError(_first_problem(group)) from None


def env_names() -> "dict[str, attrs.Attribute[Any]]":
    """Each setting's variable name, with its field, in declaration order."""
    return {field.metadata["env"]: field for field in attrs.fields(Settings)}


# Strings to typed values. Defaults are used as they are; only what the environment gives is
# structured here.
_converter = cattrs.Converter(detailed_validation=True)


def _flag(raw: str, _type: type) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"must be one of {', '.join(sorted(_TRUE | _FALSE))}, not {raw!r}")


def _number(kind: type[int] | type[float]) -> Any:
    def structure(raw: str, _type: type) -> int | float:
        try:
            return kind(raw.strip())
        except ValueError:
            raise ValueError(f"must be a number, not {raw!r}") from None

    return structure


_converter.register_structure_hook(bool, _flag)
_converter.register_structure_hook(int, _number(int))
_converter.register_structure_hook(float, _number(float))
_converter.register_structure_hook(Path, lambda raw, _type: Path(raw))
_converter.register_structure_hook(str | None, lambda raw, _type: raw)
_converter.register_structure_hook(Rate | None, lambda raw, _type: parse_rate(raw))
_converter.register_structure_hook(TrustedProxies, lambda raw, _type: TrustedProxies.parse(raw))


def _items(raw: str) -> list[str]:
    """A comma-separated list, spaces around items ignored."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def _networks(raw: str, _type: type) -> Networks:
    try:
        return tuple(ip_network(item, strict=False) for item in _items(raw))
    except ValueError:
        raise ValueError(f"must be addresses or CIDRs, comma-separated, not {raw!r}") from None


# Generic aliases are not classes: these two are matched by equality.
_converter.register_structure_hook_func(
    lambda type_: type_ == tuple[str, ...], lambda raw, _type: tuple(_items(raw))
)
_converter.register_structure_hook_func(lambda type_: type_ == Networks, _networks)


def _first_problem(group: cattrs.ClassValidationError) -> str:
    """`NAME must ...`: the first bad setting, named by its variable."""
    by_field = {field.name: env for env, field in env_names().items()}
    with_notes, without_notes = group.group_exceptions()
    for error, note in with_notes:
        return f"{by_field.get(str(note.name), note.name)} {error}"
    return str(without_notes[0])
