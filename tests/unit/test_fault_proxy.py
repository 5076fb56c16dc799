"""The fault proxy the network fault tests put between TaskFlow and its servers, over an
echo server of its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.faults.proxy import FaultProxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with FaultProxy("127.0.0.1", port) as made:
        yield made
    server.close()


async def _round_trip(proxy: FaultProxy, within: float = 1.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    try:
        writer.write(b"ping")
        async with asyncio.timeout(within):
            return await reader.readexactly(4)
    finally:
        writer.close()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    async with asyncio.timeout(1):
        writer.write(b"ping")
        await writer.drain()
        return await reader.read(4)


async def test_a_healthy_proxy_forwards_both_ways(proxy: FaultProxy) -> None:
    assert await _round_trip(proxy) == b"ping"


async def test_latency_delays_each_way(proxy: FaultProxy) -> None:
    proxy.latency(0.1)
    started = time.monotonic()
    assert await _round_trip(proxy) == b"ping"
    assert time.monotonic() - started >= 0.2


async def test_a_blackhole_answers_nothing_and_closes_nothing(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    proxy.blackhole()
    writer.write(b"ping")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await reader.read(4)  # neither data nor an end
    with pytest.raises(TimeoutError):
        await _round_trip(proxy, within=0.3)  # a new connection is swallowed too
    proxy.heal()
    assert await _round_trip(proxy) == b"ping"  # new connections work again
    writer.write(b"ping")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await reader.read(4)  # the one that lost its bytes stays dead
    writer.close()


async def test_a_reset_breaks_open_and_new_connections(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"ping")
    assert await reader.readexactly(4) == b"ping"
    proxy.reset()
    with pytest.raises(ConnectionResetError):
        await _exchange(reader, writer)
    with pytest.raises((ConnectionResetError, asyncio.IncompleteReadError)):
        await _round_trip(proxy)
    proxy.heal()
    assert await _round_trip(proxy) == b"ping"


async def test_half_open_stops_the_answers_but_not_the_requests(proxy: FaultProxy) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    proxy.half_open()
    writer.write(b"ping")
    await writer.drain()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await reader.read(4)
    assert proxy.open_connections == 1  # still open on both sides
    writer.close()
