"""The outbox relay against the real PostgreSQL and RabbitMQ.

The module has a database of its own, so the relay sees only the rows these tests write.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

import pika
import psycopg
import pytest
from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from events import types
from events.codec import new_event
from events.transport.relay import AmqpPublisher, OutboxRelay, Outcome
from events.transport.topology import Topology, declare_topology, topology_for
from functions.core import migrate
from functions.core.database import transaction
from functions.core.models.tasks import TaskCreate, TaskPublic
from functions.core.observability import JsonLines, new_trace
from functions.core.outbox import record
from functions.core.runtime import Runtime
from functions.core.services.task_commands import create_task, create_task_in
from functions.core.settings import Settings
from functions.core.tables import outbox, tasks
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    REDIS_TEST_URL,
    RabbitQueues,
    eventually,
    make_event_settings,
)
from tests.integration.helpers_events import rabbitmq_stopped
from tests.support import create_project, serve, signup

QUEUE = "taskflow.deliver_notification"  # one of the queues every task event reaches
UNROUTABLE = "com.taskflow.test.nobody_listens"
REFUSED = "com.taskflow.test.refused"


class Note(BaseModel):
    text: str = "hello"


def note(event_type: str = types.TASK_CREATED, traceparent: str | None = None) -> CloudEvent:
    return new_event(
        event_type,
        Note(),
        source="/taskflow/test",
        subject=str(uuid.uuid4()),
        traceparent=traceparent,
    )


@pytest.fixture(scope="module")
def relay_settings(
    amqp_url: str,
    run_id: str,
    redis_prefix: str,
    signing_key_pem: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Settings]:
    name = f"taskflow_test_{run_id}_relay"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        migrate.upgrade(url)
        yield make_event_settings(
            amqp_url,
            database_url=url,
            redis_url=REDIS_TEST_URL,
            redis_prefix=redis_prefix,
            jwt_private_key=signing_key_pem,
            data_dir=tmp_path_factory.mktemp("relay-data"),
        )
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def relay_runtime(relay_settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(relay_settings)
    yield rt
    await rt.close()


@pytest.fixture(scope="module")
async def topology(relay_settings: Settings, amqp_url: str) -> Topology:
    declared = topology_for(relay_settings.delivery_limit)
    await declare_topology(amqp_url, declared)
    return declared


@pytest.fixture
async def publishers(amqp_url: str) -> AsyncIterator[Callable[[], AmqpPublisher]]:
    """Makes publishers to this run's vhost; closes them after the test."""
    made: list[AmqpPublisher] = []

    def publisher() -> AmqpPublisher:
        made.append(AmqpPublisher(amqp_url))
        return made[-1]

    yield publisher
    for each in made:
        await each.close()


@pytest.fixture
async def clean(relay_runtime: Runtime, rabbit_queues: RabbitQueues, topology: Topology) -> None:
    """No rows left by another test, and empty queues."""
    async with transaction(relay_runtime.engine) as conn:
        await conn.execute(outbox.update().values(published_at=func.now()))
    rabbit_queues.purge(*(q.name for q in topology.queues))


async def write(engine: AsyncEngine, events: Sequence[CloudEvent]) -> None:
    async with transaction(engine) as conn:
        await record(conn, events)


async def rows_of(engine: AsyncEngine, events: Sequence[CloudEvent]) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        result = await conn.execute(
            select(outbox.c.event_id, outbox.c.published_at, outbox.c.attempts)
            .where(outbox.c.event_id.in_([e["id"] for e in events]))
            .order_by(outbox.c.id)
        )
        return [dict(row) for row in result.mappings()]


def ids_in(messages: Sequence[object]) -> list[str]:
    return [m.message_id for m in messages]  # type: ignore[attr-defined]


async def first_arrivals(
    rabbit_queues: RabbitQueues, *, within: float = 15.0, what: str
) -> list[str]:
    """Wait until events arrive in QUEUE; the ids of those that came first."""
    arrived: list[str] = []

    def any_arrived() -> bool:
        arrived.extend(ids_in(rabbit_queues.take_all(QUEUE)))
        return bool(arrived)

    await eventually(any_arrived, within=within, what=what)
    return arrived


class CheckingPublisher:
    """The real publisher, looking first at the rows it is handed: none may be marked yet."""

    def __init__(self, inner: AmqpPublisher, engine: AsyncEngine) -> None:
        self.inner = inner
        self.engine = engine
        self.marked_before_confirm: list[str] = []

    async def publish(self, events: Sequence[CloudEvent]) -> Sequence[Outcome]:
        rows = await rows_of(self.engine, events)
        self.marked_before_confirm += [str(r["event_id"]) for r in rows if r["published_at"]]
        return await self.inner.publish(events)

    async def close(self) -> None:
        await self.inner.close()


@pytest.mark.usefixtures("clean")
async def test_each_row_is_published_once_and_marked_only_after_its_confirm(
    relay_runtime: Runtime, publishers: Callable[[], AmqpPublisher], rabbit_queues: RabbitQueues
) -> None:
    events = [note() for _ in range(120)]
    await write(relay_runtime.engine, events)
    publisher = CheckingPublisher(publishers(), relay_runtime.engine)
    relay = OutboxRelay(relay_runtime.engine, publisher, relay_runtime.settings)

    assert await relay.publish_pending() == 120
    assert await relay.publish_pending() == 0, "published rows are not published again"

    assert publisher.marked_before_confirm == []
    rows = await rows_of(relay_runtime.engine, events)
    assert all(r["published_at"] is not None and r["attempts"] == 1 for r in rows)
    assert ids_in(rabbit_queues.take_all(QUEUE)) == [e["id"] for e in events]


@pytest.mark.usefixtures("clean")
async def test_an_unroutable_event_stays_in_the_outbox_and_is_tried_at_each_sweep(
    relay_runtime: Runtime, publishers: Callable[[], AmqpPublisher], rabbit_queues: RabbitQueues
) -> None:
    lost, routed = note(UNROUTABLE), note()
    await write(relay_runtime.engine, [lost, routed])
    relay = OutboxRelay(relay_runtime.engine, publishers(), relay_runtime.settings)

    assert await relay.publish_pending() == 1
    assert await relay.publish_pending(fresh_only=True) == 0  # a wake-up leaves it alone
    assert await relay.publish_pending() == 0  # a sweep tries it again

    rows = {r["event_id"]: r for r in await rows_of(relay_runtime.engine, [lost, routed])}
    assert rows[lost["id"]]["published_at"] is None
    assert rows[lost["id"]]["attempts"] == 2
    assert rows[routed["id"]]["published_at"] is not None
    assert ids_in(rabbit_queues.take_all(QUEUE)) == [routed["id"]]


@pytest.mark.usefixtures("clean")
async def test_an_event_the_broker_refuses_stays_unpublished_with_one_more_attempt(
    relay_runtime: Runtime, amqp_url: str, publishers: Callable[[], AmqpPublisher]
) -> None:
    # A queue that holds nothing and refuses overflow: RabbitMQ nacks what is routed to it.
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        channel = connection.channel()
        arguments = {"x-max-length": 0, "x-overflow": "reject-publish"}
        channel.queue_declare("taskflow.test.full", durable=True, arguments=arguments)
        channel.queue_bind("taskflow.test.full", types.EXCHANGE, routing_key=REFUSED)
    refused = note(REFUSED)
    await write(relay_runtime.engine, [refused])
    relay = OutboxRelay(relay_runtime.engine, publishers(), relay_runtime.settings)

    assert await relay.publish_pending() == 0

    (row,) = await rows_of(relay_runtime.engine, [refused])
    assert row["published_at"] is None
    assert row["attempts"] == 1


async def test_a_task_and_its_outbox_row_are_written_together_or_not_at_all(
    relay_runtime: Runtime,
) -> None:
    async with serve(relay_runtime) as api:
        owner = await signup(api, "owner")
        project = await create_project(api, owner)
    data = TaskCreate(project_id=uuid.UUID(project["id"]), title="Ship it")

    attempted: list[TaskPublic] = []
    with pytest.raises(RuntimeError, match="after the insert"):
        await create_task_then_fail(relay_runtime.engine, owner.id, data, attempted)
    (failed,) = attempted
    kept = await create_task(relay_runtime, owner.id, data)

    async with relay_runtime.engine.connect() as conn:
        for task, expected in ((failed, 0), (kept, 1)):
            task_rows = await conn.scalar(
                select(func.count()).select_from(tasks).where(tasks.c.id == task.id)
            )
            event_rows = await conn.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.subject == str(task.id), outbox.c.event_type == types.TASK_CREATED)
            )
            assert (task_rows, event_rows) == (expected, expected)


async def create_task_then_fail(
    engine: AsyncEngine, user_id: uuid.UUID, data: TaskCreate, attempted: list[TaskPublic]
) -> None:
    async with transaction(engine) as conn:
        task, _ = await create_task_in(conn, user_id, data)
        attempted.append(task)
        raise RuntimeError("something failed after the insert")


@pytest.mark.usefixtures("clean")
async def test_two_relays_at_once_publish_each_of_500_events_exactly_once(
    relay_settings: Settings, publishers: Callable[[], AmqpPublisher], rabbit_queues: RabbitQueues
) -> None:
    settings = relay_settings.model_copy(update={"relay_batch_size": 20})
    rt = Runtime(settings)
    try:
        events = [note() for _ in range(500)]
        await write(rt.engine, events)
        relays = [OutboxRelay(rt.engine, publishers(), settings) for _ in range(2)]

        counts = await asyncio.gather(*(relay.publish_pending() for relay in relays))
    finally:
        await rt.close()

    assert sum(counts) == 500
    assert min(counts) > 0, f"both relays should have claimed batches: {counts}"
    published = ids_in(rabbit_queues.take_all(QUEUE))
    assert sorted(published) == sorted(e["id"] for e in events)


@pytest.mark.usefixtures("clean")
async def test_a_commit_wakes_the_relay_long_before_its_sweep(
    relay_settings: Settings, publishers: Callable[[], AmqpPublisher], rabbit_queues: RabbitQueues
) -> None:
    settings = relay_settings.model_copy(update={"relay_sweep_seconds": 60.0})
    rt = Runtime(settings)
    relay = OutboxRelay(rt.engine, publishers(), settings)
    running = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: listening(rt.engine), what="the relay's LISTEN")
        # Two passes run without a NOTIFY (at start, and right after LISTEN); each event is
        # written after the one before was published, so the third needs a NOTIFY to go out.
        for _ in range(3):
            event = note()
            await write(rt.engine, [event])
            arrived = await first_arrivals(rabbit_queues, within=5, what="publishing on NOTIFY")
            assert arrived == [event["id"]]
    finally:
        relay.stop()
        await running
        await rt.close()


async def listening(engine: AsyncEngine) -> bool:
    """Whether a session of this database waits on the outbox channel."""
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(func.count())
            .select_from(text("pg_stat_activity"))
            .where(
                text("datname = current_database()"),
                text(f"query = 'LISTEN {types.OUTBOX_CHANNEL}'"),
            )
        )
    return bool(found)


@pytest.mark.usefixtures("clean")
async def test_the_relay_logs_each_event_it_publishes_in_the_events_trace(
    relay_runtime: Runtime, publishers: Callable[[], AmqpPublisher]
) -> None:
    trace = new_trace()
    event = note(traceparent=trace.traceparent)
    await write(relay_runtime.engine, [event])
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("taskflow.relay")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    relay = OutboxRelay(relay_runtime.engine, publishers(), relay_runtime.settings)
    try:
        await relay.publish_pending()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)

    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    (published,) = [line for line in logged if line.get("event_id") == event["id"]]
    assert published["message"] == "event published"
    assert published["trace_id"] == trace.trace_id


@pytest.mark.exclusive  # stops RabbitMQ: runs alone, in the serial phase
@pytest.mark.usefixtures("clean")
async def test_tasks_created_while_rabbitmq_is_down_are_all_published_once_it_is_back(
    relay_runtime: Runtime, rabbit_queues: RabbitQueues, publishers: Callable[[], AmqpPublisher]
) -> None:
    relay = OutboxRelay(relay_runtime.engine, publishers(), relay_runtime.settings)
    running = asyncio.create_task(relay.run())
    created: set[str] = set()
    try:
        async with serve(relay_runtime) as api:
            owner = await signup(api, "owner")
            project = await create_project(api, owner)
            with rabbitmq_stopped():
                for number in range(200):
                    answer = await api.post(
                        "/api/tasks",
                        json={"project_id": project["id"], "title": f"Task {number}"},
                        headers=owner.headers,
                    )
                    assert answer.status_code == 201, answer.text
                    created.add(answer.json()["id"])
                assert await unpublished(relay_runtime.engine) >= 200

        arrived: list[str] = []

        def all_arrived() -> bool:
            for message in rabbit_queues.take_all(QUEUE):
                event = json.loads(message.body)
                if message.headers["type"] == types.TASK_CREATED:
                    arrived.append(event["task"]["id"])
            return len(arrived) >= len(created)

        await eventually(all_arrived, within=30, what="publishing after the outage")
        assert sorted(arrived) == sorted(created)

        async def all_marked() -> bool:
            return await unpublished(relay_runtime.engine) == 0

        await eventually(all_marked, what="marking the rows published")
    finally:
        relay.stop()
        await running


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)


def start_relay_process(settings: Settings, amqp_url: str, **extra: str) -> subprocess.Popen[bytes]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TASKFLOW_", "FUNCTION_"))
    }
    environment.update(
        TASKFLOW_ENV="test",
        TASKFLOW_DATABASE_URL=str(settings.database_url),
        TASKFLOW_AMQP_URL=amqp_url,
        TASKFLOW_DELIVERY_LIMIT=str(settings.delivery_limit),
        **extra,
    )
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "taskflow"), "relay"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.usefixtures("clean")
async def test_taskflow_relay_publishes_and_stops_cleanly_on_sigterm(
    relay_runtime: Runtime, relay_settings: Settings, amqp_url: str, rabbit_queues: RabbitQueues
) -> None:
    process = start_relay_process(relay_settings, amqp_url)
    try:
        event = note()
        await write(relay_runtime.engine, [event])
        arrived = await first_arrivals(rabbit_queues, what="publishing by `taskflow relay`")
        assert arrived == [event["id"]]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        _, errors = process.communicate(timeout=10)
    logged = [json.loads(line) for line in errors.decode().splitlines() if line.startswith("{")]
    assert any(line.get("event_id") == event["id"] for line in logged), errors.decode()


def _declared(amqp_url: str, kind: str, name: str) -> bool:
    """Whether `name` exists in the vhost (a passive declare fails with 404 when it does not)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        declare = channel.exchange_declare if kind == "exchange" else channel.queue_declare
        try:
            declare(name, passive=True)
        except pika.exceptions.ChannelClosedByBroker as closed:
            if closed.reply_code != 404:
                raise
            return False
        return True
    finally:
        if connection.is_open:
            connection.close()


async def test_the_relay_declares_no_subscriber_queues_where_triggers_subscribe(
    relay_settings: Settings, own_amqp_url: str
) -> None:
    """On Knative the broker's Triggers subscribe: queues for the local dispatcher would only
    fill up, so TASKFLOW_DECLARE_SUBSCRIBER_QUEUES=false leaves them out."""
    process = start_relay_process(
        relay_settings, own_amqp_url, TASKFLOW_DECLARE_SUBSCRIBER_QUEUES="false"
    )
    try:
        await eventually(
            lambda: _declared(own_amqp_url, "exchange", "taskflow.events"),
            what="the relay declaring the events exchange",
        )
        queues = [queue.name for queue in topology_for(relay_settings.delivery_limit).queues]
        assert queues, "the route table has subscribers"
        assert not any(_declared(own_amqp_url, "queue", name) for name in queues)
    finally:
        process.terminate()
        process.communicate(timeout=15)
