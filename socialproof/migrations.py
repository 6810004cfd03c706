"""Schema migrations with yoyo (psycopg 3 as its driver), for start-up and `make migrate`."""

from collections.abc import Iterator
from contextlib import contextmanager

from yoyo import get_backend, read_migrations
from yoyo.backends import DatabaseBackend

from socialproof import MIGRATIONS_DIR
from socialproof.pgserver import through_pooler


class DirectConnectionRequired(RuntimeError):
    """Migrations were asked to run through a pooler rather than on PostgreSQL itself."""


def yoyo_url(database_url: str) -> str:
    """The same database as yoyo names it: psycopg 3 is `postgresql+psycopg://`."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
        raise ValueError(f"not a PostgreSQL URL: {database_url!r}")
    return f"postgresql+psycopg://{rest}"


@contextmanager
def _backend(database_url: str, *, changes: bool = False) -> Iterator[DatabaseBackend]:
    """yoyo on `database_url`; one that `changes` the schema must reach PostgreSQL directly."""
    backend = get_backend(yoyo_url(database_url))
    try:
        # psycopg prepares a statement run five times under a name of its own, which clashes
        # on a pooler's shared server connections; reading what is applied needs no such thing.
        backend.connection.prepare_threshold = None
        if changes and through_pooler(backend.connection):
            raise DirectConnectionRequired(
                "migrations must connect to PostgreSQL itself, not through a pooler such as "
                "pgbouncer: point DATABASE_URL at the server for migrate"
            )
        yield backend
    finally:
        backend.connection.close()


def pending(database_url: str) -> list[str]:
    """Ids of the migrations not yet applied, in the order they would be."""
    with _backend(database_url) as backend:
        return [m.id for m in backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))]


def applied(database_url: str) -> list[str]:
    with _backend(database_url) as backend:
        migrations = read_migrations(str(MIGRATIONS_DIR))
        return [m.id for m in migrations if backend.is_applied(m)]


def apply(database_url: str) -> list[str]:
    """Apply every pending migration, each in its own transaction; return their ids."""
    with _backend(database_url, changes=True) as backend, backend.lock():
        todo = backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))
        backend.apply_migrations(todo)
        return [m.id for m in todo]


def rollback(database_url: str, count: int | None = 1) -> list[str]:
    """Roll back the last `count` applied migrations (all when None); return their ids."""
    with _backend(database_url, changes=True) as backend, backend.lock():
        todo = backend.to_rollback(read_migrations(str(MIGRATIONS_DIR)))
        if count is not None:
            todo = todo[:count]
        backend.rollback_migrations(todo)
        return [m.id for m in todo]
