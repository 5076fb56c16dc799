"""Fixtures: a fresh PostgreSQL database and Redis key prefix per run, dropped at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from httpx import ASGITransport, AsyncClient
from redis import Redis as SyncRedis

from functions.core import migrate, runtime
from functions.core.runtime import Runtime
from functions.core.security.keys import new_private_key_pem
from functions.core.settings import Settings
from functions.gateway import create_app

POSTGRES_ADMIN_URL = os.environ.get(
    "TASKFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TASKFLOW_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def postgres_url(run_id: str) -> Iterator[str]:
    """A database of this run's own, migrated to head, dropped afterwards."""
    name = f"taskflow_test_{run_id}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _sqlalchemy_url(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_prefix(run_id: str) -> Iterator[str]:
    """This run's Redis key prefix; every key under it is deleted afterwards."""
    prefix = f"taskflow-test-{run_id}:"
    yield prefix
    client = SyncRedis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    return new_private_key_pem().decode()


def make_test_settings(**overrides: object) -> Settings:
    """Settings for tests: cheap hashing and budgets no ordinary test reaches."""
    values: dict[str, object] = {
        "env": "test",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8 * 1024,
        "login_limit_per_account": 10_000,
        "login_limit_per_address": 10_000,
        "register_limit_per_address": 10_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_settings(
    postgres_url: str,
    redis_prefix: str,
    signing_key_pem: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    """Real PostgreSQL and Redis."""
    return make_test_settings(
        database_url=postgres_url,
        redis_url=REDIS_TEST_URL,
        redis_prefix=redis_prefix,
        jwt_private_key=signing_key_pem,
        data_dir=tmp_path_factory.mktemp("pg-data"),
    )


@pytest.fixture(scope="session")
async def pg_runtime(pg_settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(pg_settings)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
async def embedded_runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    """The embedded mode: a SQLite file, the in-process Redis stand-in, a generated key."""
    data_dir: Path = tmp_path_factory.mktemp("embedded-data")
    settings = make_test_settings(env="dev", data_dir=data_dir)
    migrate.upgrade(settings.effective_database_url)
    rt = Runtime(settings)
    yield rt
    await rt.close()


@pytest.fixture(params=["postgres", "embedded"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over the real servers and the embedded stand-ins."""
    return str(request.param)


@pytest.fixture
async def api(pg_runtime: Runtime) -> AsyncIterator[AsyncClient]:
    """The gateway, in process, on the real PostgreSQL and Redis."""
    async with _client(pg_runtime) as client:
        yield client


@pytest.fixture
async def any_api(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> AsyncIterator[AsyncClient]:
    """The gateway on each backend in turn (tests using it run twice)."""
    rt = pg_runtime if backend == "postgres" else embedded_runtime
    async with _client(rt) as client:
        yield client


class _client:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def __aenter__(self) -> AsyncClient:
        self.previous = runtime.install(self.rt)
        app = create_app(self.rt)
        self.client = AsyncClient(
            transport=ASGITransport(app=app, client=("203.0.113.7", 50000)),
            base_url="http://taskflow.test",
        )
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        runtime.install(self.previous)
