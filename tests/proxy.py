"""A TCP proxy in front of the test database that a test can cut and restore: a real outage,
as the service sees one (refused connections, connections dropped mid-way)."""

import asyncio
import contextlib
from urllib.parse import parse_qs, urlsplit, urlunsplit


class DatabaseProxy:
    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        query = parse_qs(parts.query)
        socket_dir = query.get("host", [None])[0]
        port = parts.port or 5432
        if socket_dir and socket_dir.startswith("/"):
            self._unix_path: str | None = f"{socket_dir}/.s.PGSQL.{port}"
            self._target = ("", 0)
        else:
            self._unix_path = None
            self._target = (parts.hostname or "127.0.0.1", port)
        self._parts = parts
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0
        # Cleared: bytes stop flowing both ways, connections stay open (a server that hangs).
        self.flowing = asyncio.Event()
        self.flowing.set()

    @property
    def url(self) -> str:
        """The database URL as seen through the proxy."""
        user = self._parts.username or "postgres"
        auth = f"{user}:{self._parts.password}" if self._parts.password else user
        return urlunsplit(("postgresql", f"{auth}@127.0.0.1:{self.port}", self._parts.path, "", ""))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and drop every open one."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            if self._unix_path:
                up_reader, up_writer = await asyncio.open_unix_connection(self._unix_path)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self._target)
            try:
                await asyncio.gather(
                    _pipe(reader, up_writer, self.flowing), _pipe(up_reader, writer, self.flowing)
                )
            finally:
                up_writer.close()
        except (asyncio.CancelledError, OSError):
            pass
        finally:
            writer.close()
            self._pipes.discard(task)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            await flowing.wait()
            writer.write(data)
            await writer.drain()
    writer.close()
