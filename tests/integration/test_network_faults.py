"""Network faults between TaskFlow and its servers, through a fault proxy of the test's own.

Each test puts a `FaultProxy` (tests/faults/proxy.py) in front of the real PostgreSQL,
Redis or RabbitMQ and points a runtime, the relay or the dispatcher at it: added latency, a
blackhole (nothing answered, nothing closed), a reset, a half-open connection. A request
answers a 503 problem within 5 s, never hangs; after the fault heals requests succeed again;
the relay and the dispatcher notice their dead connections, come back, and every event is
delivered once. Nothing here touches a shared server (each proxy is the test's own), so these
run beside the others. `pytest -s` prints what each fault took.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, update
from sqlalchemy.engine import make_url

from events.transport.dispatch import Dispatcher
from events.transport.relay import AmqpPublisher, OutboxRelay
from events.transport.topology import AmqpLiveness, Topology, topology_for
from functions.core.database import transaction
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.core.tables import outbox
from tests.conftest import REDIS_TEST_URL, RabbitQueues, pipeline_settings
from tests.faults.proxy import FaultProxy
from tests.integration.test_pipeline_faults import (
    NOTIFY,
    Subscriber,
    Team,
    create_assigned_tasks,
    running,
    serving,
    settled_ledger,
)
from tests.support import (
    PASSWORD,
    User,
    assert_problem,
    create_project,
    serve,
    share_project,
    signup,
)

# What a request may take while a server it needs is faulty: the bound.
ANSWER_WITHIN: Final = 5.0
# What the pipeline may take, after a fault heals, to deliver everything created meanwhile.
RECOVER_WITHIN: Final = 30.0
FAULTS: Final = ("blackhole", "reset", "half_open", "latency")


def _via(url: str, port: int) -> str:
    """`url` with 127.0.0.1:`port` (the proxy) in place of its host and port."""
    parts = urlsplit(url)
    netloc = f"{parts.netloc.rpartition('@')[0]}@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{port}"))


def _upstream(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def inject(proxy: FaultProxy, fault: str) -> None:
    """The fault by name; `latency` here is one that no request could wait out."""
    if fault == "latency":
        proxy.latency(30.0)
    else:
        getattr(proxy, fault)()


async def timed(request: Awaitable[Response]) -> tuple[Response, float]:
    started = time.monotonic()
    answer = await request
    return answer, time.monotonic() - started


async def recovery(call: Callable[[], Awaitable[Response]], status: int = 200) -> float:
    """Seconds until `call()` answers `status` again (each try bounded by the request timeout)."""
    started = time.monotonic()
    while (await call()).status_code != status:
        assert time.monotonic() - started < RECOVER_WITHIN, "requests did not recover"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


# Requests.


@pytest.fixture
async def user(api: AsyncClient) -> User:
    return await signup(api, "faulted")


@pytest.fixture
async def postgres_proxy(pg_settings: Settings) -> AsyncIterator[FaultProxy]:
    assert pg_settings.database_url is not None
    url = make_url(pg_settings.database_url)
    assert url.host is not None
    async with FaultProxy(url.host, url.port or 5432) as proxy:
        yield proxy


@pytest.fixture
async def redis_proxy() -> AsyncIterator[FaultProxy]:
    async with FaultProxy(*_upstream(REDIS_TEST_URL)) as proxy:
        yield proxy


@pytest.mark.parametrize("fault", FAULTS)
async def test_requests_answer_a_503_within_5_s_while_postgresql_is_faulty_and_recover(
    fault: str, pg_settings: Settings, postgres_proxy: FaultProxy, user: User
) -> None:
    assert pg_settings.database_url is not None
    url = make_url(pg_settings.database_url).set(host="127.0.0.1", port=postgres_proxy.port)
    rt = Runtime(pg_settings.model_copy(update={"database_url": url.render_as_string(False)}))
    try:
        async with serve(rt) as client:

            def listing() -> Awaitable[Response]:
                return client.get("/api/tasks", headers=user.headers)

            assert (await listing()).status_code == 200  # a pooled connection, through the proxy
            inject(postgres_proxy, fault)
            (listed, read_took), (created, write_took) = await asyncio.gather(
                timed(listing()),
                timed(client.post("/api/projects", json={"name": "Faulted"}, headers=user.headers)),
            )
            postgres_proxy.heal()
            recovered = await recovery(listing)
    finally:
        await rt.close()
    print(
        f"\nPostgreSQL {fault}: read 503 in {read_took:.2f} s, write 503 in {write_took:.2f} s, "
        f"200 again {recovered:.2f} s after healing"
    )
    assert_problem(listed, 503)
    assert_problem(created, 503)
    assert read_took < ANSWER_WITHIN
    assert write_took < ANSWER_WITHIN


@pytest.mark.parametrize("fault", FAULTS)
async def test_requests_answer_a_503_within_5_s_while_redis_is_faulty_and_recover(
    fault: str, pg_settings: Settings, redis_proxy: FaultProxy, user: User
) -> None:
    rt = Runtime(
        pg_settings.model_copy(update={"redis_url": _via(REDIS_TEST_URL, redis_proxy.port)})
    )
    try:
        async with serve(rt) as client:

            def unread() -> Awaitable[Response]:
                return client.get("/api/notifications/unread-count", headers=user.headers)

            assert (await unread()).status_code == 200
            inject(redis_proxy, fault)
            # The rate limiter counts in Redis: without it, no sign-in at all (fails closed).
            signing_in = client.post(
                "/api/auth/login",
                json={"email": user.email, "password": PASSWORD},
            )
            (counted, read_took), (login, login_took) = await asyncio.gather(
                timed(unread()), timed(signing_in)
            )
            redis_proxy.heal()
            recovered = await recovery(unread)
    finally:
        await rt.close()
    print(
        f"\nRedis {fault}: read 503 in {read_took:.2f} s, login 503 in {login_took:.2f} s, "
        f"200 again {recovered:.2f} s after healing"
    )
    assert_problem(counted, 503)
    assert_problem(login, 503)
    assert read_took < ANSWER_WITHIN
    assert login_took < ANSWER_WITHIN


async def test_requests_through_a_slow_network_answer_as_usual(
    pg_settings: Settings, postgres_proxy: FaultProxy, redis_proxy: FaultProxy, user: User
) -> None:
    assert pg_settings.database_url is not None
    url = make_url(pg_settings.database_url).set(host="127.0.0.1", port=postgres_proxy.port)
    rt = Runtime(
        pg_settings.model_copy(
            update={
                "database_url": url.render_as_string(False),
                "redis_url": _via(REDIS_TEST_URL, redis_proxy.port),
            }
        )
    )
    try:
        async with serve(rt) as client:
            postgres_proxy.latency(0.05)
            redis_proxy.latency(0.05)
            created, took = await timed(
                client.post("/api/projects", json={"name": "Slow"}, headers=user.headers)
            )
            listed = await client.get("/api/notifications/unread-count", headers=user.headers)
    finally:
        await rt.close()
    print(f"\n50 ms each way to PostgreSQL and Redis: a project created in {took:.2f} s")
    assert created.status_code == 201, created.text
    assert listed.status_code == 200, listed.text


# The relay and the dispatcher.


@dataclass
class Pipeline:
    api: AsyncClient
    team: Team
    subscriber: Subscriber
    queues: RabbitQueues
    relay: OutboxRelay
    dispatcher: Dispatcher
    postgres: FaultProxy
    rabbitmq: FaultProxy


@pytest.fixture
async def pipeline(
    pg_settings: Settings, own_amqp_url: str, postgres_proxy: FaultProxy
) -> AsyncIterator[Pipeline]:
    """The API and deliver_notification on the servers directly; the relay (PostgreSQL and
    RabbitMQ) and the dispatcher (RabbitMQ) through proxies. Short heartbeats and timeouts
    so each fault plays out in seconds; a delivery limit no fault here reaches."""
    settings = pipeline_settings(
        pg_settings,
        own_amqp_url,
        notification_feed_size=1000,
        delivery_limit=50,
        amqp_heartbeat_seconds=1,
        connect_timeout_seconds=1.0,
        database_statement_timeout_seconds=1.0,
    )
    direct = Runtime(settings)
    async with transaction(direct.engine) as conn:  # other tests' rows are not this relay's
        await conn.execute(
            update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=func.now())
        )
    assert settings.database_url is not None
    async with FaultProxy(*_upstream(own_amqp_url)) as rabbitmq:
        proxied_db = make_url(settings.database_url).set(host="127.0.0.1", port=postgres_proxy.port)
        proxied = settings.model_copy(
            update={
                "database_url": proxied_db.render_as_string(False),
                "amqp_url": _via(own_amqp_url, rabbitmq.port),
            }
        )
        relay_rt = Runtime(proxied)
        topology = topology_for(settings.delivery_limit)
        assert proxied.amqp_url is not None
        relay = OutboxRelay(
            relay_rt.engine,
            AmqpPublisher(proxied.amqp_url, topology, AmqpLiveness.from_settings(proxied)),
            proxied,
        )
        try:
            async with serve(direct) as api, serving(Subscriber()) as subscriber:
                only = Topology((topology.queue(NOTIFY),))
                dispatcher = Dispatcher(
                    proxied, proxied.amqp_url, urls={NOTIFY: subscriber.url}, topology=only
                )
                actor, assignee = await signup(api, "actor"), await signup(api, "assignee")
                project = await create_project(api, actor)
                await share_project(api, actor, project["id"], assignee)
                yield Pipeline(
                    api,
                    Team(actor, assignee, project["id"]),
                    subscriber,
                    RabbitQueues(own_amqp_url),
                    relay,
                    dispatcher,
                    postgres_proxy,
                    rabbitmq,
                )
        finally:
            await relay_rt.close()
            await direct.close()


# (server, fault, seconds it lasts). A connection that lost data stays dead after the fault
# heals, so the relay and the dispatcher must notice it themselves: the heartbeat check
# (pika's: heartbeat + 5 s) or the relay's statement deadline (1 s + 1 s to connect, then
# psycopg's cancellation of the query, up to 10 s on a silent connection).
PIPELINE_FAULTS: Final = (
    ("rabbitmq", "blackhole", 2.0),
    ("rabbitmq", "reset", 1.0),
    ("rabbitmq", "half_open", 2.0),
    ("rabbitmq", "latency", 2.0),
    ("postgres", "blackhole", 2.0),
    ("postgres", "reset", 1.0),
    ("postgres", "half_open", 2.0),
)


async def test_the_relay_and_dispatcher_recover_from_each_fault_and_lose_nothing(
    pipeline: Pipeline,
) -> None:
    p = pipeline
    async with running(p.relay, p.dispatcher) as parts:
        task_ids = await create_assigned_tasks(p.api, p.team, 1)
        await settled_ledger(p.api, p.team, task_ids, subscriber=p.subscriber, queues=p.queues)
        report = []
        for server, fault, lasts in PIPELINE_FAULTS:
            proxy = p.rabbitmq if server == "rabbitmq" else p.postgres
            if fault == "latency":
                proxy.latency(0.3)  # slow, not dead: everything still flows
            else:
                inject(proxy, fault)
            # The API writes on, straight to PostgreSQL: its events wait in the outbox.
            task_ids += await create_assigned_tasks(p.api, p.team, 5)
            await asyncio.sleep(lasts)
            proxy.heal()
            healed = time.monotonic()
            found = await settled_ledger(
                p.api,
                p.team,
                task_ids,
                subscriber=p.subscriber,
                queues=p.queues,
                within=RECOVER_WITHIN,
            )
            report.append(f"{server} {fault}: {time.monotonic() - healed:.2f} s; {found}")
            assert not any(part.done() for part in parts), "the relay and dispatcher kept running"
    print("\nafter healing, everything delivered within:\n" + "\n".join(report))
    assert found.lost == 0
    assert found.duplicated == 0
    assert found.created == len(task_ids) == 1 + 5 * len(PIPELINE_FAULTS)
