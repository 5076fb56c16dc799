"""A server TaskFlow depends on being unreachable is a 503 to retry, never a 500 or a hang."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from httpx import AsyncClient
from sqlalchemy import text

from functions.core.runtime import Runtime
from functions.core.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support import assert_problem, serve, signup

# Ends PostgreSQL sessions and breaks connections on purpose: runs alone, in the serial phase.
pytestmark = pytest.mark.exclusive


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listened: connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
async def runtime_without_redis(pg_settings: Settings, closed_port: int) -> AsyncIterator[Runtime]:
    settings = pg_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    rt = Runtime(settings)
    yield rt
    await rt.close()


@pytest.fixture
async def runtime_without_postgres(
    pg_settings: Settings, closed_port: int
) -> AsyncIterator[Runtime]:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/taskflow"
    rt = Runtime(pg_settings.model_copy(update={"database_url": url}))
    yield rt
    await rt.close()


async def test_requests_get_a_503_while_redis_is_unreachable(
    api: AsyncClient, runtime_without_redis: Runtime
) -> None:
    user = await signup(api, "redisless")  # signed in while everything was up
    async with serve(runtime_without_redis) as client:
        listed = await client.get("/api/tasks", headers=user.headers)
        login = await client.post(
            "/api/auth/login", json={"email": user.email, "password": "whatever it is"}
        )
    assert_problem(listed, 503)
    assert_problem(login, 503)


async def test_requests_get_a_503_while_postgresql_is_unreachable(
    api: AsyncClient, runtime_without_postgres: Runtime
) -> None:
    user = await signup(api, "pgless")
    async with serve(runtime_without_postgres) as client:
        listed = await client.get("/api/tasks", headers=user.headers)
        created = await client.post("/api/projects", json={"name": "Nowhere"}, headers=user.headers)
    assert_problem(listed, 503)
    assert_problem(created, 503)


async def test_the_pool_recovers_after_postgresql_drops_its_connections(
    api: AsyncClient, pg_settings: Settings
) -> None:
    # What a database restart or failover looks like to a process: its pooled connections
    # die. A runtime of its own, so that no other test's pool is touched.
    user = await signup(api, "failover")
    rt = Runtime(pg_settings)
    try:
        async with serve(rt) as client:
            assert (await client.get("/api/tasks", headers=user.headers)).status_code == 200
            async with rt.engine.connect() as conn:  # the pooled connection that request used
                pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            statuses = [
                (await client.get("/api/tasks", headers=user.headers)).status_code for _ in range(3)
            ]
    finally:
        await rt.close()
    # At most the request that found its connection dead is refused, as a 503 to retry.
    assert statuses[-1] == 200
    assert set(statuses) <= {200, 503}
    assert statuses.count(503) <= 1
