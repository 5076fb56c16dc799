"""The whole event pipeline under faults, checked with a ledger.

PostgreSQL outbox -> relay -> RabbitMQ -> dispatcher -> HTTP -> deliver_notification -> Redis
feed, on the real servers. A (the actor) creates tasks assigned to B in a project they share,
so each task must give B exactly one `task.assigned` notification, whatever fails on the way:
the ledger counts the tasks that gave none (lost) and those that gave more (duplicated).

The function is served by uvicorn on the test's own event loop, not in a thread: the runtime's
engine and Redis client belong to the loop that first used them, and the in-process gateway
that creates the tasks shares that runtime.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import pytest
import uvicorn
from cloudevents.http import CloudEvent
from httpx import AsyncClient
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events import types
from events.codec import new_event
from events.transport.dispatch import Dispatcher
from events.transport.relay import AmqpPublisher, OutboxRelay, Outcome
from events.transport.topology import Topology, topology_for
from functions.core.database import transaction
from functions.core.outbox import from_row
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.core.tables import outbox
from functions.notifications import deliver_notification
from functions.routes import subscriptions
from tests.conftest import RabbitQueues, eventually, pipeline_settings
from tests.integration.helpers_events import rabbitmq_stopped
from tests.support import User, create_project, serve, share_project, signup

# Stops RabbitMQ under every other test's feet: runs alone, in `make test`'s serial phase.
pytestmark = pytest.mark.exclusive

TASKFLOW: Final = Path(sys.executable).parent / "taskflow"
NOTIFY: Final = "deliver_notification"
NOTIFY_PATH: Final = "/events/deliver-notification"
ACCEPT_PATH: Final = "/events/accept"
ASSIGNED: Final = "task.assigned"
# Room for every notification a test gives B (the default feed keeps 200).
FEED_SIZE: Final = 1000
# A relay or dispatcher told to stop ends within this (deliveries in flight finish first).
STOP_SECONDS: Final = 10.0


# The ledger.


@dataclass(frozen=True)
class Ledger:
    created: int  # tasks created, each assigned to B
    delivered: int  # B's `task.assigned` notifications about those tasks
    lost: int  # tasks that gave B none
    duplicated: int  # tasks that gave B more than one

    def __str__(self) -> str:
        return (
            f"ledger: created={self.created} delivered={self.delivered} "
            f"lost={self.lost} duplicated={self.duplicated}"
        )


def ledger_of(task_ids: Collection[str], notifications: Iterable[Mapping[str, Any]]) -> Ledger:
    """What `task_ids` gave their assignee, from the assignee's notifications."""
    per_task = Counter(n["task_id"] for n in notifications if n["kind"] == ASSIGNED)
    counts = [per_task[task_id] for task_id in set(task_ids)]
    return Ledger(
        created=len(counts),
        delivered=sum(counts),
        lost=counts.count(0),
        duplicated=sum(count > 1 for count in counts),
    )


async def notifications_of(api: AsyncClient, user: User) -> list[dict[str, Any]]:
    """Every notification in `user`'s feed, page by page through the API."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor is not None:
            params["cursor"] = cursor
        answer = await api.get("/api/notifications", params=params, headers=user.headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


# The subscriber: the real function on loopback, behind a counter.


@dataclass(frozen=True)
class Post:
    event_id: str
    event_type: str
    status: int


class Subscriber:
    """The real deliver_notification on a loopback port, noting each POST it answers.

    `hold(event_type)`: the first event of that type is handled by the real function (its
    notification is stored), then its answer, and so the dispatcher's ack, waits for `release`.
    """

    def __init__(self) -> None:
        self.base_url = ""
        self.posts: list[Post] = []
        self.in_flight = 0
        self.held: list[str] = []
        self.release = asyncio.Event()
        self._hold_type: str | None = None

    @property
    def url(self) -> str:
        return self.base_url + NOTIFY_PATH

    @property
    def accept_url(self) -> str:
        return self.base_url + ACCEPT_PATH

    def hold(self, event_type: str) -> None:
        self._hold_type = event_type

    def statuses(self, event_id: str) -> list[int]:
        return [post.status for post in self.posts if post.event_id == event_id]

    async def deliver(self, request: Request) -> Response:
        event_id = request.headers.get("ce-id", "")
        event_type = request.headers.get("ce-type", "")
        self.in_flight += 1
        try:
            response = await deliver_notification(request)
            self.posts.append(Post(event_id, event_type, response.status_code))
            if event_type == self._hold_type:
                self._hold_type = None
                self.held.append(event_id)
                await self.release.wait()
            return response
        finally:
            self.in_flight -= 1

    async def accept(self, _request: Request) -> Response:
        """The other subscribers, for `taskflow dispatch`, which consumes every queue."""
        return Response(status_code=202)


@asynccontextmanager
async def serving(subscriber: Subscriber) -> AsyncIterator[Subscriber]:
    app = Starlette(
        routes=[
            Route(NOTIFY_PATH, subscriber.deliver, methods=["POST"]),
            Route(ACCEPT_PATH, subscriber.accept, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="none",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    subscriber.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    served = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await eventually(lambda: server.started, within=10, what="serving deliver_notification")
        yield subscriber
    finally:
        subscriber.release.set()
        server.should_exit = True
        await asyncio.wait_for(served, STOP_SECONDS)
        listener.close()


# The pipeline's parts.


class Runs(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


@asynccontextmanager
async def running(*parts: Runs) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Each part's `run()` as a task of this loop; all stopped and awaited at the end (an
    error one of them raised is raised here)."""
    tasks = [asyncio.create_task(part.run()) for part in parts]
    try:
        yield tasks
    finally:
        for part in parts:
            part.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), STOP_SECONDS)


class CountingPublisher:
    """The real publisher, keeping the id of each event the broker confirmed."""

    def __init__(self, inner: AmqpPublisher) -> None:
        self.inner = inner
        self.confirmed: list[str] = []

    async def publish(self, events: Sequence[CloudEvent]) -> Sequence[Outcome]:
        outcomes = await self.inner.publish(events)
        self.confirmed += [
            e["id"] for e, o in zip(events, outcomes, strict=True) if o is Outcome.CONFIRMED
        ]
        return outcomes

    async def close(self) -> None:
        await self.inner.close()


def amqp_url_of(settings: Settings) -> str:
    assert settings.amqp_url is not None
    return settings.amqp_url


def full_topology(settings: Settings) -> Topology:
    """Every subscriber's queue, as `taskflow relay` declares them."""
    return topology_for(settings.delivery_limit)


def publisher(settings: Settings) -> AmqpPublisher:
    return AmqpPublisher(amqp_url_of(settings), full_topology(settings))


def relay(rt: Runtime) -> OutboxRelay:
    return OutboxRelay(rt.engine, publisher(rt.settings), rt.settings)


def dispatcher(settings: Settings, subscriber: Subscriber) -> Dispatcher:
    """A dispatcher of deliver_notification's queue alone (the other subscribers' queues
    keep their copies in this test's vhost, which goes with them)."""
    only = Topology((full_topology(settings).queue(NOTIFY),))
    return Dispatcher(settings, amqp_url_of(settings), urls={NOTIFY: subscriber.url}, topology=only)


def start_dispatch_process(
    settings: Settings, subscriber: Subscriber, signing_key_pem: str, log: Path
) -> subprocess.Popen[bytes]:
    """`taskflow dispatch` on every queue of the route table, deliver_notification's to
    `subscriber`, the others to an endpoint that accepts anything."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TASKFLOW_", "FUNCTION_"))
    }
    environment.update(
        TASKFLOW_ENV="test",
        TASKFLOW_DATABASE_URL=str(settings.database_url),
        TASKFLOW_REDIS_URL=str(settings.redis_url),
        TASKFLOW_REDIS_PREFIX=settings.redis_prefix,
        TASKFLOW_AMQP_URL=amqp_url_of(settings),
        TASKFLOW_JWT_PRIVATE_KEY=signing_key_pem,
        TASKFLOW_DELIVERY_LIMIT=str(settings.delivery_limit),
        TASKFLOW_RETRY_BACKOFF_SECONDS=str(settings.retry_backoff_seconds),
        TASKFLOW_RETRY_BACKOFF_MAX_SECONDS=str(settings.retry_backoff_max_seconds),
    )
    urls = []
    for target in subscriptions():
        url = subscriber.url if target == NOTIFY else subscriber.accept_url
        urls += ["--url", f"{target}={url}"]
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(TASKFLOW), "dispatch", *urls],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )


# The outbox, read behind the API's back.


async def outbox_events(engine: AsyncEngine, task_ids: Collection[str]) -> list[CloudEvent]:
    """The events the tasks' transactions wrote, in the order they were written."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(outbox).where(outbox.c.subject.in_(list(task_ids))).order_by(outbox.c.id)
        )
        return [from_row(dict(row)) for row in rows.mappings()]


async def assigned_event_of(engine: AsyncEngine, task_id: str) -> CloudEvent:
    events = await outbox_events(engine, [task_id])
    (assigned,) = [e for e in events if e["type"] == types.TASK_ASSIGNED]
    return assigned


async def unpublished(engine: AsyncEngine, task_ids: Collection[str]) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.subject.in_(list(task_ids)), outbox.c.published_at.is_(None))
        )
    return int(count or 0)


# Fixtures.


@pytest.fixture
def settings(pg_settings: Settings, own_amqp_url: str) -> Settings:
    """The run's PostgreSQL and Redis, a vhost of this test's own, short waits."""
    return pipeline_settings(
        pg_settings,
        own_amqp_url,
        notification_feed_size=FEED_SIZE,
    )


@pytest.fixture
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    made = Runtime(settings)
    # Rows other tests left in the run's outbox: no relay of theirs will publish them, and
    # this test's relay should carry only its own.
    async with transaction(made.engine) as conn:
        await conn.execute(
            update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=func.now())
        )
    yield made
    await made.close()


@pytest.fixture
async def api(rt: Runtime) -> AsyncIterator[AsyncClient]:
    """The in-process gateway, on the pipeline's runtime (installed, so the served function
    reaches the same PostgreSQL, Redis and feed size)."""
    async with serve(rt) as client:
        yield client


@pytest.fixture
async def subscriber(api: AsyncClient) -> AsyncIterator[Subscriber]:
    """deliver_notification on loopback; after `api`, which installs the runtime it reaches."""
    async with serving(Subscriber()) as served:
        yield served


@pytest.fixture
def queues(settings: Settings) -> RabbitQueues:
    return RabbitQueues(amqp_url_of(settings))


@dataclass(frozen=True)
class Team:
    actor: User
    assignee: User
    project_id: str


@pytest.fixture
async def team(api: AsyncClient) -> Team:
    actor, assignee = await signup(api, "actor"), await signup(api, "assignee")
    project = await create_project(api, actor)
    await share_project(api, actor, project["id"], assignee)
    return Team(actor, assignee, project["id"])


async def create_assigned_tasks(api: AsyncClient, team: Team, count: int) -> list[str]:
    """`count` tasks A creates assigned to B (each answered 201); their ids."""
    ids = []
    for number in range(count):
        answer = await api.post(
            "/api/tasks",
            json={
                "project_id": team.project_id,
                "title": f"Task {number}",
                "assignee_id": str(team.assignee.id),
            },
            headers=team.actor.headers,
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


async def ledger(api: AsyncClient, team: Team, task_ids: Collection[str]) -> Ledger:
    return ledger_of(task_ids, await notifications_of(api, team.assignee))


async def settled_ledger(
    api: AsyncClient,
    team: Team,
    task_ids: Collection[str],
    *,
    subscriber: Subscriber,
    queues: RabbitQueues,
    within: float = 15.0,
) -> Ledger:
    """The ledger once every task has given B a notification and nothing is left to deliver
    (deliver_notification's queue empty, no POST in flight); printed for `pytest -s`."""
    last: list[Ledger] = []

    async def none_lost() -> bool:
        last.append(await ledger(api, team, task_ids))
        return last[-1].lost == 0

    try:
        await eventually(none_lost, within=within, what="a notification for every task")
    except pytest.fail.Exception:
        print(f"\n{last[-1]}")
        pytest.fail(f"not every task notified its assignee within {within:g} s: {last[-1]}")

    def quiet() -> bool:
        return subscriber.in_flight == 0 and queues.ready(f"taskflow.{NOTIFY}") == 0

    await eventually(quiet, what="the queue drained")
    found = await ledger(api, team, task_ids)
    print(f"\n{found}")
    return found


# The tests.


async def test_tasks_created_while_rabbitmq_is_down_each_notify_their_assignee_exactly_once(
    api: AsyncClient,
    team: Team,
    rt: Runtime,
    settings: Settings,
    subscriber: Subscriber,
    queues: RabbitQueues,
) -> None:
    async with running(relay(rt), dispatcher(settings, subscriber)) as parts:
        # The pipeline carries a first task end to end before RabbitMQ goes.
        task_ids = await create_assigned_tasks(api, team, 1)
        await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)

        with rabbitmq_stopped():
            during = await create_assigned_tasks(api, team, 200)
            # Proof the outage was real: none of their events can have left the outbox.
            assert await unpublished(rt.engine, during) == 2 * len(during)
        task_ids += during

        found = await settled_ledger(
            api, team, task_ids, subscriber=subscriber, queues=queues, within=30
        )
        assert not any(part.done() for part in parts), "the relay and dispatcher kept running"

    assert str(found) == "ledger: created=201 delivered=201 lost=0 duplicated=0"
    assert await unpublished(rt.engine, task_ids) == 0


class Nonsense(BaseModel):
    task: str = "nonsense"


async def test_an_event_published_three_times_gives_its_assignee_one_notification(
    api: AsyncClient,
    team: Team,
    rt: Runtime,
    settings: Settings,
    subscriber: Subscriber,
    queues: RabbitQueues,
) -> None:
    task_ids = await create_assigned_tasks(api, team, 1)  # no relay: its event stays put
    event = await assigned_event_of(rt.engine, task_ids[0])
    sending = publisher(settings)
    try:
        assert await sending.publish([event, event, event]) == [Outcome.CONFIRMED] * 3
    finally:
        await sending.close()

    async with running(dispatcher(settings, subscriber)):
        # All three copies reach the function (prefetched together, so they may race).
        await eventually(lambda: len(subscriber.statuses(event["id"])) == 3, what="3 copies")
        found = await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)

    assert subscriber.statuses(event["id"]) == [202, 202, 202]
    assert str(found) == "ledger: created=1 delivered=1 lost=0 duplicated=0"


async def test_a_poison_event_is_dead_lettered_and_the_event_after_it_is_delivered(
    api: AsyncClient,
    team: Team,
    rt: Runtime,
    settings: Settings,
    subscriber: Subscriber,
    queues: RabbitQueues,
) -> None:
    task_ids = await create_assigned_tasks(api, team, 1)
    good = await assigned_event_of(rt.engine, task_ids[0])
    poison = new_event(
        types.TASK_ASSIGNED,
        Nonsense(),
        source=good["source"],
        subject=str(uuid.uuid4()),
        project_id=uuid.UUID(team.project_id),
        actor_id=team.actor.id,
    )
    sending = publisher(settings)
    try:
        outcomes = await sending.publish([poison, good])
        assert outcomes == [Outcome.CONFIRMED] * 2
    finally:
        await sending.close()

    dead_queue = full_topology(settings).queue(NOTIFY).dead_name
    async with running(dispatcher(settings, subscriber)):
        await eventually(lambda: queues.ready(dead_queue) == 1, what="dead-lettering")
        found = await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)

    (dead,) = queues.take_all(dead_queue)
    assert dead.message_id == poison["id"]
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    assert subscriber.statuses(poison["id"]) == [400], "answered 400 once, never retried"
    assert subscriber.statuses(good["id"]) == [202]
    assert str(found) == "ledger: created=1 delivered=1 lost=0 duplicated=0"


async def test_an_event_whose_dispatcher_is_killed_before_its_ack_is_redelivered_and_counted_once(
    api: AsyncClient,
    team: Team,
    rt: Runtime,
    settings: Settings,
    subscriber: Subscriber,
    queues: RabbitQueues,
    signing_key_pem: str,
    tmp_path: Path,
) -> None:
    subscriber.hold(types.TASK_ASSIGNED)
    log = tmp_path / "dispatch.log"
    async with running(relay(rt)):
        process = start_dispatch_process(settings, subscriber, signing_key_pem, log)
        try:
            task_ids = await create_assigned_tasks(api, team, 1)
            await eventually(
                lambda: bool(subscriber.held) or process.poll() is not None,
                within=20,
                what="the held delivery",
            )
            assert process.poll() is None, log.read_text()
            (event_id,) = subscriber.held
            # Stored already: only the answer, and so the ack, is missing.
            assert (await ledger(api, team, task_ids)).delivered == 1
        finally:
            process.send_signal(signal.SIGKILL)  # no ack, no goodbye to RabbitMQ
            await asyncio.to_thread(process.wait, 10)
            subscriber.release.set()
        assert subscriber.statuses(event_id) == [202], log.read_text()

        async with running(dispatcher(settings, subscriber)):
            await eventually(lambda: len(subscriber.statuses(event_id)) == 2, what="the redelivery")
            found = await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)

    assert subscriber.statuses(event_id) == [202, 202]
    assert str(found) == "ledger: created=1 delivered=1 lost=0 duplicated=0"


async def test_two_relays_at_once_carry_300_tasks_events_each_exactly_once(
    api: AsyncClient,
    team: Team,
    rt: Runtime,
    settings: Settings,
    subscriber: Subscriber,
    queues: RabbitQueues,
) -> None:
    task_ids = await create_assigned_tasks(api, team, 300)  # a backlog both relays go for
    events = await outbox_events(rt.engine, task_ids)
    assert Counter(e["type"] for e in events) == {
        types.TASK_CREATED: 300,
        types.TASK_ASSIGNED: 300,
    }
    small_batches = settings.model_copy(update={"relay_batch_size": 20})
    publishers = [CountingPublisher(publisher(settings)) for _ in range(2)]
    relays = [OutboxRelay(rt.engine, each, small_batches) for each in publishers]
    async with running(dispatcher(settings, subscriber), *relays):
        await eventually(
            lambda: all(subscriber.statuses(e["id"]) for e in events),
            within=30,
            what="every event delivered",
        )
        found = await settled_ledger(api, team, task_ids, subscriber=subscriber, queues=queues)

    assert str(found) == "ledger: created=300 delivered=300 lost=0 duplicated=0"
    confirmed = [each.confirmed for each in publishers]
    assert min(len(ids) for ids in confirmed) > 0, "both relays should have published"
    published = Counter(event_id for ids in confirmed for event_id in ids)
    assert [i for i, n in published.items() if n > 1] == [], "published twice"
    assert {e["id"] for e in events} <= set(published)
    not_once = [e["id"] for e in events if subscriber.statuses(e["id"]) != [202]]
    assert not_once == [], "delivered other than once, with no fault to cause it"
