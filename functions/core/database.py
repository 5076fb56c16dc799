"""The one database engine factory and the two ways to use it: read, or one transaction."""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic_core import from_json
from sqlalchemy import event, make_url
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from functions.core.settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def prepare_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder it goes in (the embedded data directory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def libpq_options(settings: Settings) -> dict[str, Any]:
    """Connection parameters that turn a PostgreSQL that stops answering into an error.

    libpq takes whole seconds for the connect timeout, and at least 2. Keepalives and
    TCP_USER_TIMEOUT find a peer gone without a word (a partition, a failover) while a
    connection is idle or has sent data; the statement timeout ends work the server is
    still doing for a client that gave up. The URL's own `options` are kept.
    """
    keepalive = settings.tcp_keepalive_seconds
    options: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(settings.connect_timeout_seconds)),
        "keepalives": 1,
        "keepalives_idle": keepalive,
        "keepalives_interval": keepalive,
        "keepalives_count": 3,
        "tcp_user_timeout": 3 * keepalive * 1000,
    }
    statement_ms = round(settings.database_statement_timeout_seconds * 1000)
    if statement_ms:
        given = make_url(settings.effective_database_url).query.get("options", "")
        server = given if isinstance(given, str) else " ".join(given)
        options["options"] = f"{server} -c statement_timeout={statement_ms}".strip()
    return options


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        prepare_sqlite_folder(url)
        # One connection: SQLite serialises writers anyway, and this avoids lock upgrades
        # failing between two open transactions in the embedded mode.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, json_deserializer=from_json)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        # Up to twice the pool size, opened as load asks and then kept. With overflow instead
        # (pool_size=N, max_overflow=N), every connection past N was closed on its return and
        # opened again by the next request: under 32 concurrent reads, 70 new PostgreSQL
        # sessions a second, and the p99 of a read ten times its median.
        pool_size=2 * settings.database_pool_size,
        max_overflow=0,
        # No pre-ping: it costs a round trip per checkout. A connection found dead fails
        # one request (a 503 to retry) and SQLAlchemy then invalidates the whole pool.
        pool_recycle=1800,
        # JSON columns (a task's labels, on every row of a list) parsed by pydantic-core:
        # about ten times as fast as json.loads, which psycopg would otherwise call.
        json_deserializer=from_json,
        connect_args=libpq_options(settings),
    )


def sync_url(url: str) -> str:
    """The same database for a synchronous driver (migrations run synchronously)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://")


# Each engine's turns at its connections, per event loop (see `_turn`).
_turns: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def _turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """Wait for a connection first come, first served.

    SQLAlchemy's async pool lets a request that arrives just as a connection is returned take
    it ahead of those already waiting, which go back to the end of the queue: with 32
    requests sharing 10 connections, a read's p99 was ten times its median. asyncio's
    semaphore queues fairly, so requests wait their turn here and find a connection free.
    Waiting longer than the pool's timeout is the pool's error (a 503 to retry).
    """
    pool = engine.pool
    if not isinstance(pool, QueuePool):  # a pool without a bound has no queue to wait in
        yield
        return
    loop = asyncio.get_running_loop()
    found = _turns.get(engine.sync_engine)
    if found is None or found[0] is not loop:
        found = loop, asyncio.Semaphore(pool.size())  # create_engine opens no overflow
        _turns[engine.sync_engine] = found
    turns = found[1]
    try:
        async with asyncio.timeout(pool.timeout()):
            await turns.acquire()
    except TimeoutError as exc:
        raise PoolTimeoutError("no connection came free in time") from exc
    try:
        yield
    finally:
        turns.release()


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One unit of work: committed when the block ends normally, rolled back otherwise."""
    async with _turn(engine), engine.begin() as conn:
        yield conn


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Reads only, each statement on its own: no BEGIN and ROLLBACK round trips around them.

    Under PostgreSQL's READ COMMITTED each statement takes its own snapshot inside a
    transaction too, so reads see nothing different; anything that writes uses `transaction`.
    """
    async with _turn(engine), engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn
