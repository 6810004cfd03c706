"""Settings from environment variables, with `.env` filling in what the environment lacks."""

import os
from collections.abc import Mapping
from pathlib import Path

import attrs
from dotenv import dotenv_values

from socialproof import PROJECT_ROOT

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting has a value the service cannot use."""


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _number(name: str, raw: str, kind: type[int] | type[float], minimum: float) -> int | float:
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


@attrs.frozen(kw_only=True)
class Settings:
    """Everything the service reads from its environment; README lists each one."""

    #: PostgreSQL to use; unset means the embedded server under `embedded_data_dir`.
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    #: Server processes sharing the port (SO_REUSEPORT), each with its own loop and pool.
    workers: int = 1
    pool_min_size: int = 2
    pool_max_size: int = 32
    #: Seconds to wait for a connection or a statement before answering 503.
    db_timeout: float = 4.0
    #: Apply pending migrations at start-up. Always done for the embedded server.
    migrate_on_start: bool = False
    embedded_data_dir: Path = PROJECT_ROOT / ".pgdata"
    access_log: bool = False
    log_level: str = "INFO"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> "Settings":
        """Read settings: the process environment wins over `.env`, which wins over defaults."""
        env_file = env_file if env_file is not None else PROJECT_ROOT / ".env"
        values: dict[str, str] = {}
        if env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            raw = values.get(name)
            return raw if raw not in (None, "") else None

        kwargs: dict[str, object] = {}
        if (url := get("DATABASE_URL")) is not None:
            kwargs["database_url"] = url
        if (host := get("HOST")) is not None:
            kwargs["host"] = host
        for name, field, kind, minimum in (
            ("PORT", "port", int, 0),
            ("WORKERS", "workers", int, 1),
            ("DB_POOL_MIN_SIZE", "pool_min_size", int, 0),
            ("DB_POOL_MAX_SIZE", "pool_max_size", int, 1),
            ("DB_TIMEOUT", "db_timeout", float, 0.1),
        ):
            if (raw := get(name)) is not None:
                kwargs[field] = _number(name, raw, kind, minimum)
        if (raw := get("MIGRATE_ON_START")) is not None:
            kwargs["migrate_on_start"] = _flag("MIGRATE_ON_START", raw)
        if (raw := get("ACCESS_LOG")) is not None:
            kwargs["access_log"] = _flag("ACCESS_LOG", raw)
        if (raw := get("EMBEDDED_PG_DIR")) is not None:
            kwargs["embedded_data_dir"] = (PROJECT_ROOT / raw).resolve()
        if (raw := get("LOG_LEVEL")) is not None:
            kwargs["log_level"] = raw.upper()
        settings = cls(**kwargs)  # type: ignore[arg-type]
        if settings.pool_min_size > settings.pool_max_size:
            raise SettingsError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")
        return settings
