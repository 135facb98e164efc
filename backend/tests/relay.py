"""A real TCP hop in front of PostgreSQL or Redis that a test can cut, silence and restore.

- `stop()`: the port is closed and every connection reset: a refused connection, answered at once.
- `silence()`: connections are still accepted, but nothing is forwarded either way, on new and existing connections
  alike: a network partition, where every wait lasts until someone gives up.
  A client closing a silenced connection is not passed on either (its FIN is lost in the partition): the server
  keeps the session, and whatever transaction it had open, until something on the server side ends it.
- `restore()`: new connections are forwarded again; connections that were silenced stay silent (their packets are
  gone for good), so the service must have dropped them to recover.
- `cut(client_port)`: one open connection (the client's end at that local port) is closed on both sides at once, as a
  reset or a killed server process does: whatever the client sends next never arrives, and the server sees its
  client go, ending the session and rolling back its open transaction. New connections still go through.
- `drop_replies(client_port)`: on one open connection, whatever the client sends still reaches the server, and nothing
  the server answers comes back: a COMMIT is applied and its confirmation lost.
- `reject_startup(sqlstate, message)` (PostgreSQL only): open connections are reset and new ones are answered with a
  start-up error, as a restarting server ("57P03 the database system is starting up") or a full one ("53300 sorry, too
  many clients already") answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

# the first message of a client that would like TLS (PostgreSQL protocol, "SSLRequest")
SSL_REQUEST_CODE = 80877103


class TcpRelay:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.silent = False
        # connections opened before the last silence(): they never carry data again
        self._dead: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._startup_error: tuple[str, str] | None = None
        # client end -> the writer towards the server of the same connection
        self._upstream: dict[asyncio.StreamWriter, asyncio.StreamWriter] = {}
        # connections whose server answers are dropped
        self._muted: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()
        self.writers.clear()

    def silence(self) -> None:
        self.silent = True
        self._dead.update(self.writers)

    def restore(self) -> None:
        self.silent = False
        self._startup_error = None

    def reject_startup(self, sqlstate: str, message: str) -> None:
        self._startup_error = (sqlstate, message)
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def cut(self, client_port: int) -> None:
        client = self._client_at(client_port)
        for writer in (client, self._upstream.pop(client, None)):
            if writer is not None:
                writer.transport.abort()
                self.writers.discard(writer)

    def drop_replies(self, client_port: int) -> None:
        self._muted.add(self._client_at(client_port))

    def _client_at(self, client_port: int) -> asyncio.StreamWriter:
        for client in self._upstream:
            if client.get_extra_info("peername")[1] == client_port:
                return client
        raise LookupError(f"no open connection from port {client_port}")

    async def close(self) -> None:
        if self.server is not None and self.server.is_serving():
            await self.stop()
        for writer in list(self._dead):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._startup_error is not None:
            await _answer_startup_error(reader, writer, *self._startup_error)
            return
        self.writers.add(writer)
        if self.silent:
            # accepted, never answered: read and drop whatever the client sends
            self._dead.add(writer)
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while await reader.read(65536):
                    pass
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers.add(up_writer)
        self._upstream[writer] = up_writer
        try:
            await asyncio.gather(self._pipe(reader, up_writer, writer), self._pipe(up_reader, writer, writer))
        finally:
            self._upstream.pop(writer, None)
            self._muted.discard(writer)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                if client in self._dead:
                    continue  # partitioned: the bytes are lost
                if writer is client and client in self._muted:
                    continue  # the server's answer is lost on the way back
                writer.write(data)
                await writer.drain()
        if client in self._dead and writer is not client:
            return  # partitioned: the client's FIN never reaches the server either
        writer.transport.abort()
        self.writers.discard(writer)


async def _answer_startup_error(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sqlstate: str, message: str
) -> None:
    """The PostgreSQL protocol (v3) up to a start-up ErrorResponse, then the connection closes."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
        length = struct.unpack("!I", await reader.readexactly(4))[0]
        packet = await reader.readexactly(length - 4)
        if struct.unpack("!I", packet[:4])[0] == SSL_REQUEST_CODE:
            writer.write(b"N")  # no TLS here: the client goes on with a plain start-up message
            length = struct.unpack("!I", await reader.readexactly(4))[0]
            await reader.readexactly(length - 4)
        fields = b"".join(
            kind + value.encode() + b"\0"
            for kind, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message))
        )
        body = fields + b"\0"
        writer.write(b"E" + struct.pack("!I", len(body) + 4) + body)
        await writer.drain()
    writer.transport.abort()
