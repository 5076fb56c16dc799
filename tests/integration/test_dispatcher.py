"""The dispatcher against the real RabbitMQ and a real HTTP subscriber on loopback.

Each test has queues of its own (a probe subscriber taking a type of its own), except the
ones that run `taskflow dispatch`, which consumes the route table's queues.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pika
import pytest
import uvicorn
from cloudevents.http import CloudEvent
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events import types
from events.codec import from_http_request, new_event
from events.transport.dispatch import Dispatcher
from events.transport.relay import AmqpPublisher, Outcome
from events.transport.topology import Topology, declare_topology, topology_for
from functions.core.observability import new_trace
from functions.core.settings import Settings
from functions.routes import subscriptions
from tests.conftest import RabbitQueues, eventually, make_event_settings

TASKFLOW = Path(sys.executable).parent / "taskflow"
Publish = Callable[..., Awaitable[None]]


class Note(BaseModel):
    text: str = "hello"


@dataclass(frozen=True)
class Received:
    target: str
    event_id: str
    status: int
    headers: dict[str, str]


@dataclass
class Receiver:
    """A subscriber on loopback: records each POST and answers as each event's script says
    (the last status repeats; 202 by default); a held event waits for `release`."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    held: set[tuple[str, str]] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, target: str) -> str:
        return f"{self.base_url}/{target}"

    def of(self, event_id: str, target: str | None = None) -> list[Received]:
        return [
            r
            for r in self.received
            if r.event_id == event_id and (target is None or r.target == target)
        ]

    async def endpoint(self, request: Request) -> Response:
        target = request.path_params["target"]
        event = from_http_request(request.headers, await request.body())
        if (target, event["id"]) in self.held:
            self.held.discard((target, event["id"]))
            self.received.append(Received(target, event["id"], 0, dict(request.headers)))
            await asyncio.to_thread(self.release.wait, 30)
            return Response(status_code=202)
        script = self.scripts.get(event["id"], [202])
        status = script.pop(0) if len(script) > 1 else script[0]
        self.received.append(Received(target, event["id"], status, dict(request.headers)))
        return Response(status_code=status)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    recorder = Receiver()
    app = Starlette(routes=[Route("/{target}", recorder.endpoint, methods=["POST"])])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    recorder.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", ws="none", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "the receiver did not start"
        yield recorder
    finally:
        recorder.release.set()
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture
def settings(amqp_url: str) -> Settings:
    return make_event_settings(amqp_url)


@dataclass
class Probe:
    """A subscriber of this test's own: its queue takes only its own event type."""

    target: str
    event_type: str
    topology: Topology

    @property
    def queue(self) -> str:
        return self.topology.queue(self.target).name

    @property
    def dead_queue(self) -> str:
        return self.topology.queue(self.target).dead_name

    def event(self, traceparent: str | None = None) -> CloudEvent:
        return new_event(
            self.event_type,
            Note(),
            source="/taskflow/test",
            subject="probe",
            traceparent=traceparent,
        )


@pytest.fixture
async def probe(amqp_url: str, settings: Settings) -> Probe:
    name = f"probe_{secrets.token_hex(4)}"
    event_type = f"com.taskflow.test.{name}"
    topology = topology_for(settings.delivery_limit, {name: (event_type,)})
    await declare_topology(amqp_url, topology)
    return Probe(name, event_type, topology)


@pytest.fixture
async def publish(amqp_url: str) -> AsyncIterator[Publish]:
    publisher = AmqpPublisher(amqp_url)

    async def send(*events: CloudEvent) -> None:
        assert await publisher.publish(events) == [Outcome.CONFIRMED] * len(events)

    yield send
    await publisher.close()


@pytest.fixture
async def dispatching(
    settings: Settings, amqp_url: str, receiver: Receiver
) -> AsyncIterator[Callable[..., Dispatcher]]:
    """Starts dispatchers (run as tasks in this loop) and stops them after the test."""
    running: list[tuple[Dispatcher, asyncio.Task[None]]] = []

    def start(topology: Topology, custom: Settings | None = None) -> Dispatcher:
        urls = {q.target: receiver.url(q.target) for q in topology.queues}
        dispatcher = Dispatcher(custom or settings, amqp_url, urls=urls, topology=topology)
        running.append((dispatcher, asyncio.create_task(dispatcher.run())))
        return dispatcher

    yield start
    for dispatcher, _ in running:
        dispatcher.stop()
    await asyncio.gather(*(task for _, task in running))


async def test_a_delivered_event_is_acked_and_leaves_the_queue(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    settings: Settings,
    amqp_url: str,
) -> None:
    trace = new_trace()
    event = probe.event(traceparent=trace.traceparent)
    await publish(event)
    dispatcher = Dispatcher(
        settings, amqp_url, urls={probe.target: receiver.url(probe.target)}, topology=probe.topology
    )
    running = asyncio.create_task(dispatcher.run())
    try:
        await eventually(lambda: bool(receiver.of(event["id"])), what="the delivery")
    finally:
        dispatcher.stop()
        await running

    (delivered,) = receiver.of(event["id"])
    assert delivered.status == 202
    assert delivered.headers["ce-id"] == event["id"]
    assert delivered.headers["ce-type"] == probe.event_type
    assert delivered.headers["traceparent"].split("-")[1] == trace.trace_id
    assert rabbit_queues.ready(probe.queue) == 0, "acked, so not requeued when it stopped"
    assert rabbit_queues.ready(probe.dead_queue) == 0


async def test_a_poison_event_is_dead_lettered_and_the_next_one_is_delivered(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
) -> None:
    poison, good = probe.event(), probe.event()
    receiver.scripts[poison["id"]] = [400]
    await publish(poison, good)
    dispatching(probe.topology)

    await eventually(lambda: bool(receiver.of(good["id"])), what="the good event")
    await eventually(lambda: rabbit_queues.ready(probe.dead_queue) == 1, what="dead-lettering")
    (dead,) = rabbit_queues.take_all(probe.dead_queue)
    assert dead.message_id == poison["id"]
    assert dead.headers["x-death"][0]["reason"] == "rejected"
    assert [r.status for r in receiver.of(poison["id"])] == [400], "never retried"


async def test_an_event_answered_503_twice_then_202_arrives_on_the_third_delivery(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
) -> None:
    event = probe.event()
    receiver.scripts[event["id"]] = [503, 503, 202]
    await publish(event)
    dispatching(probe.topology)

    await eventually(lambda: len(receiver.of(event["id"])) == 3, what="three deliveries")
    assert [r.status for r in receiver.of(event["id"])] == [503, 503, 202]
    await eventually(lambda: rabbit_queues.ready(probe.queue) == 0, what="the ack")
    assert rabbit_queues.ready(probe.dead_queue) == 0


async def test_an_event_answered_503_forever_is_dead_lettered_after_the_delivery_limit(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
    settings: Settings,
) -> None:
    event = probe.event()
    receiver.scripts[event["id"]] = [503]
    await publish(event)
    dispatching(probe.topology)

    await eventually(lambda: rabbit_queues.ready(probe.dead_queue) == 1, what="dead-lettering")
    (dead,) = rabbit_queues.take_all(probe.dead_queue)
    assert dead.message_id == event["id"]
    assert [r.status for r in receiver.of(event["id"])] == [503] * settings.delivery_limit


async def test_an_event_waiting_for_its_retry_does_not_hold_up_the_events_behind_it(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    dispatching: Callable[..., Dispatcher],
    settings: Settings,
) -> None:
    # The event behind must arrive within the backoff (2.5 s at least): ample on a busy machine.
    slow_retry = settings.model_copy(
        update={"retry_backoff_seconds": 5.0, "retry_backoff_max_seconds": 5.0}
    )
    failing, behind = probe.event(), probe.event()
    receiver.scripts[failing["id"]] = [503, 202]
    await publish(failing, behind)
    dispatching(probe.topology, slow_retry)

    await eventually(lambda: len(receiver.of(failing["id"])) == 2, what="the retry")
    order = [(r.event_id, r.status) for r in receiver.received if r.target == probe.target]
    # The two first attempts go out together (in either order); the retry comes after both.
    assert sorted(order[:2]) == sorted([(failing["id"], 503), (behind["id"], 202)])
    assert order[2:] == [(failing["id"], 202)]


async def test_the_same_event_published_three_times_arrives_three_times(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    dispatching: Callable[..., Dispatcher],
) -> None:
    event = probe.event()
    await publish(event, event, event)
    dispatching(probe.topology)

    # At least once: telling copies apart is the subscriber's job (it dedupes on source, id).
    await eventually(lambda: len(receiver.of(event["id"])) == 3, what="three copies")


async def test_a_message_that_is_not_a_cloudevent_is_dead_lettered(
    probe: Probe,
    amqp_url: str,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
) -> None:
    with pika.BlockingConnection(pika.URLParameters(amqp_url)) as connection:
        connection.channel().basic_publish(types.EXCHANGE, probe.event_type, b"not an event")
    dispatching(probe.topology)

    await eventually(lambda: rabbit_queues.ready(probe.dead_queue) == 1, what="dead-lettering")


# `taskflow dispatch` as a process, on the route table's queues.
NOTIFY = "deliver_notification"


@pytest.fixture
async def route_queues(
    amqp_url: str, rabbit_queues: RabbitQueues, settings: Settings
) -> AsyncIterator[Topology]:
    """The route table's queues, declared and empty (other tests publish task events too)."""
    topology = topology_for(settings.delivery_limit)
    await declare_topology(amqp_url, topology)
    names = [n for q in topology.queues for n in (q.name, q.dead_name)]
    rabbit_queues.purge(*names)
    yield topology
    rabbit_queues.purge(*names)


def start_dispatch_process(amqp_url: str, receiver: Receiver) -> subprocess.Popen[bytes]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TASKFLOW_", "FUNCTION_"))
    }
    environment.update(
        TASKFLOW_ENV="test",
        TASKFLOW_AMQP_URL=amqp_url,
        TASKFLOW_DELIVERY_LIMIT="3",
        TASKFLOW_RETRY_BACKOFF_SECONDS="0.05",
    )
    urls = [arg for t in subscriptions() for arg in ("--url", f"{t}={receiver.url(t)}")]
    return subprocess.Popen(
        [str(TASKFLOW), "dispatch", *urls],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def subscribers_of(event_type: str) -> set[str]:
    return {target for target, kinds in subscriptions().items() if event_type in kinds}


def task_event() -> CloudEvent:
    return new_event(types.TASK_CREATED, Note(), source="/taskflow/test", subject="dispatch")


async def test_an_event_whose_dispatcher_dies_before_acking_is_delivered_again(
    amqp_url: str,
    route_queues: Topology,
    publish: Publish,
    receiver: Receiver,
    dispatching: Callable[..., Dispatcher],
    rabbit_queues: RabbitQueues,
) -> None:
    event = task_event()
    receiver.held.add((NOTIFY, event["id"]))
    process = start_dispatch_process(amqp_url, receiver)
    try:
        await publish(event)
        await eventually(lambda: bool(receiver.of(event["id"], NOTIFY)), what="the first POST")
    finally:
        process.kill()  # SIGKILL: no ack, no goodbye to RabbitMQ
        process.wait(10)

    dispatching(route_queues)
    await eventually(lambda: len(receiver.of(event["id"], NOTIFY)) == 2, what="redelivery")
    assert receiver.of(event["id"], NOTIFY)[-1].status == 202
    await eventually(lambda: rabbit_queues.ready(f"taskflow.{NOTIFY}") == 0, what="the ack")


async def test_taskflow_dispatch_delivers_and_stops_cleanly_on_sigterm(
    amqp_url: str,
    route_queues: Topology,
    publish: Publish,
    receiver: Receiver,
) -> None:
    event = task_event()
    process = start_dispatch_process(amqp_url, receiver)
    try:
        await publish(event)
        await eventually(
            lambda: {r.target for r in receiver.of(event["id"])} == subscribers_of(event["type"]),
            what="delivery to every subscriber",
        )
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.mark.parametrize("status", [404, 409, 429, 500, 502])
async def test_answers_that_may_succeed_later_are_retried(
    status: int,
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
) -> None:
    event = probe.event()
    receiver.scripts[event["id"]] = [status, 202]
    await publish(event)
    dispatching(probe.topology)

    await eventually(lambda: len(receiver.of(event["id"])) == 2, what="the retry")
    assert [r.status for r in receiver.of(event["id"])] == [status, 202]
    assert rabbit_queues.ready(probe.dead_queue) == 0


@pytest.mark.parametrize("status", [401, 403, 410, 413, 422])
async def test_other_client_errors_are_dead_lettered_without_a_retry(
    status: int,
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    rabbit_queues: RabbitQueues,
    dispatching: Callable[..., Dispatcher],
) -> None:
    event = probe.event()
    receiver.scripts[event["id"]] = [status, 202]
    await publish(event)
    dispatching(probe.topology)

    await eventually(lambda: rabbit_queues.ready(probe.dead_queue) == 1, what="dead-lettering")
    assert [r.status for r in receiver.of(event["id"])] == [status]


async def test_a_subscriber_that_does_not_answer_in_time_gets_the_event_again(
    probe: Probe,
    publish: Publish,
    receiver: Receiver,
    dispatching: Callable[..., Dispatcher],
    settings: Settings,
) -> None:
    impatient = settings.model_copy(update={"dispatch_timeout_seconds": 0.3})
    event = probe.event()
    receiver.held.add((probe.target, event["id"]))
    await publish(event)
    dispatching(probe.topology, impatient)

    await eventually(lambda: len(receiver.of(event["id"])) == 2, what="the retry")
    assert receiver.of(event["id"])[-1].status == 202


async def test_an_unreachable_subscriber_is_retried_then_dead_lettered(
    probe: Probe,
    publish: Publish,
    rabbit_queues: RabbitQueues,
    settings: Settings,
    amqp_url: str,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/"
        await publish(probe.event())
        dispatcher = Dispatcher(
            settings, amqp_url, urls={probe.target: nowhere}, topology=probe.topology
        )
        running = asyncio.create_task(dispatcher.run())
        try:
            await eventually(
                lambda: rabbit_queues.ready(probe.dead_queue) == 1, what="dead-lettering"
            )
        finally:
            dispatcher.stop()
            await running


def test_taskflow_dispatch_refuses_a_url_for_a_subscriber_it_does_not_have(
    amqp_url: str,
) -> None:
    finished = subprocess.run(
        [str(TASKFLOW), "dispatch", "--url", "no_such_target=http://127.0.0.1:9/"],
        env={**os.environ, "TASKFLOW_ENV": "test", "TASKFLOW_AMQP_URL": amqp_url},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode != 0
    assert "no subscriber named no_such_target" in finished.stderr
