"""Floor (a): the least an aiohttp + asyncpg + orjson server can do for the service's
primary-key read and its player INSERT, with the service's own statements, served as the service
is by default (one process, uvloop, no access log, connections that skip the reset query). No
validation, no error mapping, no middleware: what the service does on top is the price of its
own code. Its pool is asyncpg's as it comes: the service's statements run straight on a free
connection, given back in place (README, "Where a request's CPU goes"), are its own saving.

Each flag switches one habit back to the slower choice, for the bench's known wins. The database
and the pool come from the service's own variables.

    DATABASE_URL=postgresql://... python -m bench.floor_app --port 8100
"""

import argparse
import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import orjson
import uvloop
from aiohttp import web
from aiohttp.typedefs import Handler

from socialproof.database import NoResetConnection
from socialproof.sqlfiles import SQL

GET_PLAYER, CREATE_PLAYER = SQL["players/get_by_id"], SQL["players/create"]
NOT_FOUND = b'{"detail": "Player not found"}'

pool_key = web.AppKey("pool", asyncpg.Pool)
dumps_key = web.AppKey("dumps", Callable[[Any], bytes])


async def get_player(request: web.Request) -> web.Response:
    row = await request.app[pool_key].fetchrow(GET_PLAYER, int(request.match_info["id"]))
    if row is None:
        return web.Response(status=404, body=NOT_FOUND, content_type="application/json")
    return web.Response(body=request.app[dumps_key](dict(row)), content_type="application/json")


async def create_player(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    row = await request.app[pool_key].fetchrow(CREATE_PLAYER, body["username"], body["email"])
    return web.Response(
        status=201,
        body=request.app[dumps_key](dict(row)),
        content_type="application/json",
        headers={"Location": f"/players/{row['id']}"},
    )


@web.middleware
async def passthrough(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A middleware that does nothing: the cost of one more layer per request."""
    return await handler(request)


def stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


def build_app(args: argparse.Namespace) -> web.Application:
    app = web.Application(middlewares=[passthrough] * args.middlewares)
    app[dumps_key] = orjson.dumps if args.json == "orjson" else stdlib_dumps

    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        app[pool_key] = await asyncpg.create_pool(
            os.environ["DATABASE_URL"],
            min_size=int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
            max_size=int(os.environ.get("DB_POOL_MAX_SIZE", "32")),
            statement_cache_size=args.statement_cache_size,
            connection_class=asyncpg.Connection if args.reset_query else NoResetConnection,
        )
        yield
        await app[pool_key].close()

    app.cleanup_ctx.append(pool_context)
    app.router.add_get("/players/{id}", get_player)
    app.router.add_post("/players/", create_player)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor_app", description=__doc__)
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, required=True)
    add("--reset-query", action="store_true", help="asyncpg's default class")
    add("--json", choices=["orjson", "stdlib"], default="orjson")
    add("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    add("--access-log", action="store_true", help="aiohttp's, to stderr")
    add("--statement-cache-size", type=int, default=100, help="0: no prepared statement reuse")
    add("--middlewares", type=int, default=0, help="pass-through middlewares")
    args = parser.parse_args()
    loop = uvloop.new_event_loop() if args.loop == "uvloop" else asyncio.new_event_loop()
    if args.access_log:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    access_log = logging.getLogger("aiohttp.access") if args.access_log else None
    app = build_app(args)
    web.run_app(app, host=args.host, port=args.port, access_log=access_log, loop=loop, print=None)


if __name__ == "__main__":
    main()
