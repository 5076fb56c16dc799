"""Requests waiting for a database connection get one in the order they asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from functions.core.database import create_engine, reading, transaction
from functions.core.settings import Settings


async def test_a_connection_goes_to_the_longest_waiting_request_not_a_newcomer(
    tmp_path: Path,
) -> None:
    # The embedded engine has one connection: every request after the first waits for it.
    engine = create_engine(Settings(env="dev", data_dir=tmp_path))
    served: list[str] = []
    first_holds = asyncio.Event()
    first_may_go = asyncio.Event()

    async def read(name: str) -> None:
        async with reading(engine) as conn:
            await conn.execute(text("SELECT 1"))
            served.append(name)

    async def first() -> None:
        async with reading(engine) as conn:
            await conn.execute(text("SELECT 1"))
            served.append("first")
            first_holds.set()
            await first_may_go.wait()
        # Asks again the moment it gave the connection back: a newcomer to the queue.
        await read("first again")

    try:
        holder = asyncio.ensure_future(first())
        await first_holds.wait()
        waiting = [asyncio.ensure_future(read(name)) for name in ("second", "third")]
        await asyncio.sleep(0.05)  # both queued behind the first
        first_may_go.set()
        await asyncio.gather(holder, *waiting)
    finally:
        await engine.dispose()
    assert served == ["first", "second", "third", "first again"]


async def test_a_transaction_waits_its_turn_like_a_read(tmp_path: Path) -> None:
    engine = create_engine(Settings(env="dev", data_dir=tmp_path))
    try:
        async with transaction(engine) as conn:
            await conn.execute(text("CREATE TABLE turns (n INTEGER)"))

        async def write(n: int) -> None:
            async with transaction(engine) as conn:
                await conn.execute(text("INSERT INTO turns VALUES (:n)"), {"n": n})

        await asyncio.gather(*(write(n) for n in range(20)))
        async with reading(engine) as conn:
            written = (await conn.execute(text("SELECT n FROM turns"))).scalars().all()
    finally:
        await engine.dispose()
    assert list(written) == list(range(20))
