"""Fixtures: a PostgreSQL database, Redis key prefix and RabbitMQ vhost of each test process's
own (each pytest-xdist worker is one), removed at the end; the `taskflow cluster` its tests
share; and each test marked with the servers it needs."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pika
import psycopg
import pytest
from httpx import ASGITransport, AsyncClient
from redis import Redis as SyncRedis

from functions.core import migrate, runtime
from functions.core.runtime import Runtime
from functions.core.security.keys import new_private_key_pem
from functions.core.settings import Settings
from functions.gateway import create_app
from tests.processes import Cluster, Servers, SharedCluster, clean_environment

POSTGRES_ADMIN_URL = os.environ.get(
    "TASKFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TASKFLOW_TEST_REDIS", "redis://127.0.0.1:6379/0")


# The servers behind each fixture: a test using it gets their marks, to select tests by need.
SERVERS_BEHIND: dict[str, tuple[str, ...]] = {
    "postgres_url": ("postgres",),
    "redis_prefix": ("redis",),
    "rabbitmq_vhost": ("rabbitmq",),
    "own_amqp_url": ("rabbitmq",),
    "shared_cluster": ("rabbitmq",),
}
# The folder `make check` runs with no server at hand: none of its tests may need one.
SERVER_FREE = Path(__file__).resolve().parent / "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    misplaced: list[str] = []
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        needs = {
            server
            for fixture, servers in SERVERS_BEHIND.items()
            if fixture in used
            for server in servers
        }
        for server in sorted(needs):
            item.add_marker(server)
        if needs and item.path.is_relative_to(SERVER_FREE):
            misplaced.append(f"{item.nodeid} ({', '.join(sorted(needs))})")
        if "shared_cluster" in used:
            # Run together in one process, they start the cluster once between them.
            item.add_marker("cluster")
    if misplaced:
        raise pytest.UsageError(
            "tests/unit needs no server, but these tests use one (move them to "
            "tests/integration): " + "; ".join(misplaced)
        )


# Each xdist worker collects on its own, so ids must not show a clock reading or a random UUID.
_UNSTABLE_IN_IDS = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?((%2B|\+|-)\d\d:\d\d|Z)?"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    if isinstance(val, str) and _UNSTABLE_IN_IDS.search(val):
        return _UNSTABLE_IN_IDS.sub(lambda found: "TIME" if "T" in found[0] else "UUID", val)
    return None


# The clusters this process started, stopped before an `exclusive` test.
_CLUSTERS: list[SharedCluster] = []


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not item.get_closest_marker("exclusive"):
        return
    # Stopping a server under tests that run beside it would fail them for no fault of theirs.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail(
            "an `exclusive` test stops or restarts a server: run it alone, without -n "
            "(`make test` runs these after the parallel phase)",
            pytrace=False,
        )
    for running in _CLUSTERS:
        running.stop()


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def run_id() -> str:
    """This test process's own name part: each pytest-xdist worker is a session of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{secrets.token_hex(4)}_{worker}" if worker else secrets.token_hex(4)


@contextmanager
def own_database(name: str) -> Iterator[str]:
    """An empty PostgreSQL database of this name (its libpq URL), dropped afterwards."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(run_id: str) -> Iterator[str]:
    """A database of this run's own, migrated to head, dropped afterwards."""
    with own_database(f"taskflow_test_{run_id}") as libpq_url:
        url = _sqlalchemy_url(libpq_url)
        migrate.upgrade(url)
        yield url


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
        "password_reset_limit_per_address": 10_000,
        "password_reset_limit_per_email": 10_000,
        # Replays in these tests come at once; the reuse grace has tests of its own.
        "refresh_reuse_grace_seconds": 0,
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


# RabbitMQ: a virtual host of this run's own, made and deleted with rabbitmqctl (as root).
RABBITMQ_HOST = os.environ.get("TASKFLOW_TEST_RABBITMQ", "127.0.0.1:5672")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def own_vhost(name: str) -> Iterator[str]:
    """A RabbitMQ vhost guest may do anything in; deleted with its queues afterwards."""
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("await_startup")  # a fault test may have just restarted the broker
        rabbitmqctl("delete_vhost", name)


def amqp_url_for(vhost: str) -> str:
    return f"amqp://guest:guest@{RABBITMQ_HOST}/{quote(vhost, safe='')}"


@pytest.fixture(scope="session")
def rabbitmq_vhost(run_id: str) -> Iterator[str]:
    """This run's RabbitMQ vhost."""
    with own_vhost(f"taskflow_test_{run_id}") as vhost:
        yield vhost


@pytest.fixture(scope="session")
def amqp_url(rabbitmq_vhost: str) -> str:
    return amqp_url_for(rabbitmq_vhost)


@pytest.fixture
def own_amqp_url(run_id: str) -> Iterator[str]:
    """A vhost of one test's own, for processes that declare the topology with other limits."""
    with own_vhost(f"taskflow_test_{run_id}_{secrets.token_hex(3)}") as vhost:
        yield amqp_url_for(vhost)


def make_event_settings(amqp_url: str, **overrides: object) -> Settings:
    """Settings for event transport tests: small limits and short waits, so retries,
    dead-lettering and outages play out in well under a second."""
    values: dict[str, object] = {
        "amqp_url": amqp_url,
        "delivery_limit": 3,
        "retry_backoff_seconds": 0.05,
        "retry_backoff_max_seconds": 0.4,
        "relay_sweep_seconds": 0.5,
        "relay_batch_size": 50,
        "dispatch_timeout_seconds": 2.0,
        "dispatch_prefetch": 10,
    }
    values.update(overrides)
    return make_test_settings(**values)


def pipeline_settings(pg_settings: Settings, amqp_url: str, **overrides: object) -> Settings:
    """Event settings (make_event_settings) on this run's database, Redis prefix and key."""
    return make_event_settings(
        amqp_url,
        database_url=pg_settings.database_url,
        redis_url=pg_settings.redis_url,
        redis_prefix=pg_settings.redis_prefix,
        jwt_private_key=pg_settings.jwt_private_key,
        data_dir=pg_settings.data_dir,
        **overrides,
    )


@dataclass(frozen=True)
class QueuedMessage:
    message_id: str
    headers: dict[str, Any]
    body: bytes


class RabbitQueues:
    """Looks into this run's queues with a short-lived blocking connection per call."""

    def __init__(self, amqp_url: str) -> None:
        self.url = amqp_url

    def take_all(self, queue: str) -> list[QueuedMessage]:
        """Every message ready in `queue`, removed from it."""
        taken: list[QueuedMessage] = []
        with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
            channel = connection.channel()
            while True:
                method, properties, body = channel.basic_get(queue)
                if method is None:
                    return taken
                headers = dict(properties.headers or {})
                taken.append(QueuedMessage(properties.message_id, headers, body))
                channel.basic_ack(method.delivery_tag)

    def ready(self, queue: str) -> int:
        with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
            declared = connection.channel().queue_declare(queue, passive=True)
            return int(declared.method.message_count)

    def purge(self, *queues: str) -> None:
        with pika.BlockingConnection(pika.URLParameters(self.url)) as connection:
            channel = connection.channel()
            for queue in queues:
                channel.queue_purge(queue)


@pytest.fixture(scope="session")
def rabbit_queues(amqp_url: str) -> RabbitQueues:
    return RabbitQueues(amqp_url)


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    within: float = 15.0,
    what: str = "the condition",
) -> None:
    """Wait until `condition()` holds, checking every 50 ms; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        held = condition()
        if not isinstance(held, bool):
            held = await held
        if held:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {within:g} s")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def shared_cluster(
    tmp_path_factory: pytest.TempPathFactory,
    run_id: str,
    postgres_url: str,
    redis_prefix: str,
    signing_key_pem: str,
) -> Iterator[SharedCluster]:
    """This test process's `taskflow cluster`, on this run's database, Redis prefix and a
    RabbitMQ vhost of its own (its topology has the defaults, not the event tests' limits)."""
    with own_vhost(f"taskflow_test_{run_id}_cluster") as vhost:
        env = clean_environment(
            TASKFLOW_ENV="test",
            TASKFLOW_DATABASE_URL=postgres_url,
            TASKFLOW_REDIS_URL=REDIS_TEST_URL,
            TASKFLOW_REDIS_PREFIX=f"{redis_prefix}cluster:",
            TASKFLOW_AMQP_URL=amqp_url_for(vhost),
            TASKFLOW_JWT_PRIVATE_KEY=signing_key_pem,
            TASKFLOW_RETRY_BACKOFF_SECONDS="0.2",
            # Readers notice they were told to stop at the next heartbeat: keep shutdown quick.
            TASKFLOW_STREAM_HEARTBEAT_SECONDS="1",
            # Cheap hashing: the scenarios sign people up through more than one gateway.
            TASKFLOW_ARGON2_TIME_COST="1",
            TASKFLOW_ARGON2_MEMORY_KIB="8192",
        )
        servers = Servers(tmp_path_factory.mktemp("cluster-logs"))
        shared = SharedCluster(servers, tmp_path_factory, env)
        _CLUSTERS.append(shared)
        try:
            yield shared
        finally:
            _CLUSTERS.remove(shared)
            servers.stop_all()


@pytest.fixture
def cluster(shared_cluster: SharedCluster) -> Cluster:
    """The shared `taskflow cluster`, running, every function answering its probe."""
    return shared_cluster.get()
