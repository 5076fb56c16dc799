"""How many events a second the outbox relay publishes, against the floor of the same broker.

`python -m bench.relay_throughput [--events 5000] [--rounds 3]` makes a database and a vhost of
its own (removed afterwards), declares TaskFlow's topology in it so every event is routed, and
measures over the same N `task.created` events (a TaskCreated snapshot, ~500-byte body):

floor A, pika publishing N persistent messages to `taskflow.events` awaiting each confirm;
floor B, the same without confirms (the upper bound); and the relay: N outbox rows inserted
first, then `OutboxRelay.publish_pending()` timed (claim, publish with confirms, mark
published) with batches of 100 and 500. Subjects take turns round by round; queues are purged
before each, and every connection is open (the relay's with one event) before the clock starts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

import pika
from cloudevents.http import CloudEvent
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.results import Row, record
from bench.stack import REDIS_URL, Stack, rabbitmq_vhost
from events import types
from events.codec import new_event, to_amqp
from events.models import TaskCreated, TaskSnapshot
from events.transport.relay import AmqpPublisher, OutboxRelay
from events.transport.topology import Topology, declare_topology, topology_for
from functions.core.observability import configure_logging
from functions.core.outbox import to_row
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.core.tables import outbox

TITLE = "Write up the relay throughput findings for the platform review and the handbook"
Subject = Callable[[], Awaitable[float]]


def make_events(count: int) -> list[CloudEvent]:
    project_id, creator_id = uuid.uuid4(), uuid.uuid4()
    events = []
    for number in range(count):
        task = TaskSnapshot(
            id=uuid.uuid4(),
            project_id=project_id,
            title=f"{TITLE} #{number}",
            status="todo",
            priority="high",
            assignee_id=uuid.uuid4(),
            creator_id=creator_id,
            due_at=None,
            labels=["bench", "relay", "throughput", "events", "q4-review", "platform", "docs"],
            version=1,
        )
        event = new_event(
            types.TASK_CREATED,
            TaskCreated(task=task),
            source=types.source_of("create_task"),
            subject=str(task.id),
            project_id=project_id,
            actor_id=creator_id,
        )
        events.append(event)
    return events


def purge(amqp_url: str, topology: Topology) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    for queue in topology.queues:
        channel.queue_purge(queue.name)
    connection.close()


def pika_floor(amqp_url: str, events: list[CloudEvent], confirm: bool) -> float:
    """Seconds to publish every event as the relay would (persistent, mandatory)."""
    messages = []
    for event in events:
        message = to_amqp(event)
        properties = pika.BasicProperties(
            content_type=message.content_type,
            message_id=message.message_id,
            headers=message.headers,
            delivery_mode=pika.DeliveryMode.Persistent,
        )
        messages.append((event["type"], message.body, properties))
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    if confirm:
        channel.confirm_delivery()  # basic_publish then waits for each message's confirm
    try:
        began = time.perf_counter()
        for routing_key, body, properties in messages:
            channel.basic_publish(types.EXCHANGE, routing_key, body, properties, mandatory=True)
        # One round trip: the broker has read every message sent before it on this channel.
        channel.exchange_declare(types.EXCHANGE, passive=True)
        return time.perf_counter() - began
    finally:
        connection.close()


async def insert_rows(engine: AsyncEngine, events: list[CloudEvent]) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox"))
        if events:
            await conn.execute(insert(outbox), [to_row(event) for event in events])


async def published_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).where(outbox.c.published_at.is_not(None))
        return int((await conn.execute(query)).scalar_one())


async def relay_seconds(
    engine: AsyncEngine, settings: Settings, amqp_url: str, topology: Topology, count: int
) -> float:
    publisher = AmqpPublisher(amqp_url, topology)
    relay = OutboxRelay(engine, publisher, settings)
    try:
        await insert_rows(engine, make_events(1))
        assert await relay.publish_pending() == 1  # connects and declares, off the clock
        await insert_rows(engine, make_events(count))
        began = time.perf_counter()
        await relay.publish_pending()
        elapsed = time.perf_counter() - began
        published = await published_rows(engine)
        assert published == count, f"{published} of {count} rows marked published"
        return elapsed
    finally:
        await publisher.close()


async def measure(stack: Stack, amqp_url: str, count: int, rounds: int) -> dict[str, float]:
    # WARNING, as bench.notify_latency runs the relay: INFO writes a JSON line per event.
    settings = Settings(
        database_url=stack.database_url,
        redis_url=REDIS_URL,
        amqp_url=amqp_url,
        jwt_private_key=stack.key_pem,
        log_level="WARNING",
    )
    configure_logging(settings.log_level)
    topology = topology_for(settings.delivery_limit)
    await declare_topology(amqp_url, topology)
    runtime = Runtime(settings)
    engine = runtime.engine

    def relay(batch: int) -> Subject:
        batched = settings.model_copy(update={"relay_batch_size": batch})
        return lambda: relay_seconds(engine, batched, amqp_url, topology, count)

    def floor(confirm: bool) -> Subject:
        return lambda: asyncio.to_thread(pika_floor, amqp_url, make_events(count), confirm)

    subjects: dict[str, Subject] = {
        "floor A: pika, confirm per message": floor(True),
        "floor B: pika, no confirms": floor(False),
        "TaskFlow relay, batch 100": relay(100),
        "TaskFlow relay, batch 500": relay(500),
    }
    rates: dict[str, list[float]] = {name: [] for name in subjects}
    try:
        for _ in range(rounds):
            for name, subject in subjects.items():
                await asyncio.to_thread(purge, amqp_url, topology)
                rates[name].append(count / await subject())
    finally:
        await runtime.close()
    return {name: statistics.median(samples) for name, samples in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with rabbitmq_vhost() as amqp_url, Stack(tasks=0) as stack:
        rates = asyncio.run(measure(stack, amqp_url, args.events, args.rounds))
    body = len(to_amqp(make_events(1)[0]).body)
    floor = rates["floor A: pika, confirm per message"]
    print(f"{args.events} task.created events ({body}-byte bodies), median of {args.rounds} rounds")
    print(f"{'':36}{'events/s':>10}{'x floor A':>11}")
    for name, rate in rates.items():
        print(f"{name:36}{rate:10.0f}{rate / floor:11.2f}")
    record(
        [
            Row("relay_throughput", f"{name} ({args.events} events)", "events/s", rate, floor)
            for name, rate in rates.items()
            if not name.startswith("floor A")
        ]
    )
    load = os.getloadavg()
    print(
        f"caveat: PostgreSQL, RabbitMQ and this process share {os.cpu_count()} CPUs "
        f"(load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end); other load moves these."
    )


if __name__ == "__main__":
    main()
