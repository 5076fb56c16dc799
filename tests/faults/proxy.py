"""A TCP proxy on loopback in front of one server, with network faults switched on and off.

No maintained proxy on the package registries fits: toxiproxy is a Go server (its Python
packages are clients of it), and the asyncio chaos proxies there drop or delay chunks but
cannot reset a connection or leave one half-open. This one runs on the test's event loop.

Faults (one at a time; `heal()` ends it):

- `latency(seconds)`: every chunk, each way, waits this long before it is forwarded.
- `blackhole()`: whatever arrives is read and thrown away, nothing is answered, nothing is
  closed; a new connection is accepted and treated the same. Like a partition or a hung server.
- `reset()`: every open connection is reset (RST: SO_LINGER 0), and so is each new one.
- `half_open(to_client=True)`: one direction stops (by default the server's answers), the
  other goes on; nothing is closed, even when the server closes its side.

A connection that lost data to a fault stays dead after `heal()` (its bytes are gone, so
its protocol cannot go on): it neither forwards nor closes, as a connection a middlebox
forgot looks. Clients must notice that by themselves; new connections work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

CHUNK: Final = 64 * 1024


class Fault(Enum):
    NONE = "none"
    LATENCY = "latency"
    BLACKHOLE = "blackhole"
    RESET = "reset"
    HALF_OPEN = "half_open"


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter | None = None
    # Directions that lost data ("up": client to server, "down": server to client).
    dead: set[str] = field(default_factory=set)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client, self.server) if w is not None]

    def reset(self) -> None:
        for writer in self.writers():
            _reset(writer)
        for task in self.tasks:
            task.cancel()


class FaultProxy:
    """`async with FaultProxy(host, port) as proxy:` listens on `proxy.port` (127.0.0.1)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.fault = Fault.NONE
        self.delay = 0.0
        self.to_client = True
        self.accepted = 0
        self._connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for connection in list(self._connections):
            connection.reset()
        self._connections.clear()
        await self._server.wait_closed()

    # The faults.

    def heal(self) -> None:
        self.fault, self.delay = Fault.NONE, 0.0

    def latency(self, seconds: float) -> None:
        self.fault, self.delay = Fault.LATENCY, seconds

    def blackhole(self) -> None:
        self.fault = Fault.BLACKHOLE

    def reset(self) -> None:
        self.fault = Fault.RESET
        for connection in list(self._connections):
            connection.reset()
        self._connections.clear()

    def half_open(self, *, to_client: bool = True) -> None:
        self.fault, self.to_client = Fault.HALF_OPEN, to_client

    def _drops(self, direction: str) -> bool:
        if self.fault is Fault.BLACKHOLE:
            return True
        if self.fault is Fault.HALF_OPEN:
            return direction == ("down" if self.to_client else "up")
        return False

    # The plumbing.

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.fault is Fault.RESET:
            _reset(writer)
            return
        connection = _Connection(writer)
        self._connections.add(connection)
        if self.fault is Fault.BLACKHOLE:
            # Never reaches the server: read and forget, for as long as the client sends.
            connection.dead.update({"up", "down"})
            connection.tasks.append(asyncio.current_task())  # type: ignore[arg-type]
            await self._swallow(reader)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._connections.discard(connection)
            _reset(writer)
            return
        connection.server = server_writer
        up = asyncio.create_task(self._pump(connection, "up", reader, server_writer))
        down = asyncio.create_task(self._pump(connection, "down", server_reader, writer))
        connection.tasks += [up, down]

    async def _swallow(self, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while await reader.read(CHUNK):
                pass

    async def _pump(
        self,
        connection: _Connection,
        direction: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        try:
            while chunk := await reader.read(CHUNK):
                if direction in connection.dead or self._drops(direction):
                    connection.dead.add(direction)
                    continue
                if self.fault is Fault.LATENCY:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        if self._drops(direction):
            connection.dead.add(direction)  # the close is lost with the rest
        if connection.dead:
            return  # forgotten: never closed, never answered
        # An end on one side ends the other: these protocols never half-close.
        if connection in self._connections:
            self._connections.discard(connection)
            for other in connection.writers():
                other.transport.abort()
            for task in connection.tasks:
                if task is not asyncio.current_task():
                    task.cancel()
