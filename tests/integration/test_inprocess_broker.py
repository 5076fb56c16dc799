"""The embedded mode's pipeline: SQLite outbox -> relay -> in-process broker -> functions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from cloudevents.http import CloudEvent
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from events import types
from events.codec import from_http_request
from events.transport.inprocess import EmbeddedPipeline, start_embedded_pipeline
from functions.core import migrate
from functions.core.runtime import Runtime
from functions.core.tables import outbox
from tests.conftest import eventually, make_test_settings
from tests.support import create_project, serve, signup

SUBSCRIBER = "deliver_notification"
RAISE = -1  # in a Recorder's answers: raise instead of answering


@dataclass
class Recorder:
    """A subscriber function that records each event and answers as scripted (202 after)."""

    events: list[CloudEvent] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        self.events.append(from_http_request(request.headers, await request.body()))
        status = self.answers.pop(0) if self.answers else 202
        if status == RAISE:
            raise RuntimeError("the subscriber has a bug")
        return Response(status_code=status)

    def about(self, subject: str, event_type: str = types.TASK_CREATED) -> list[CloudEvent]:
        return [e for e in self.events if e["subject"] == subject and e["type"] == event_type]


@pytest.fixture
async def embedded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    """A fresh embedded runtime whose sweep never comes in a test: only commits wake it."""
    settings = make_test_settings(
        env="dev",
        data_dir=tmp_path_factory.mktemp("embedded-events"),
        relay_sweep_seconds=600.0,
        delivery_limit=3,
        retry_backoff_seconds=0.05,
        retry_backoff_max_seconds=0.2,
    )
    migrate.upgrade(settings.effective_database_url)
    rt = Runtime(settings)
    yield rt
    await rt.close()


Start = Callable[[Recorder], Awaitable[EmbeddedPipeline]]


@pytest.fixture
async def pipeline(embedded: Runtime) -> AsyncIterator[Start]:
    started: list[EmbeddedPipeline] = []

    async def start(recorder: Recorder) -> EmbeddedPipeline:
        started.append(
            await start_embedded_pipeline(embedded, endpoints={SUBSCRIBER: recorder.endpoint})
        )
        return started[-1]

    yield start
    for each in started:
        await each.stop()


async def create_task(rt: Runtime) -> str:
    async with serve(rt) as api:
        owner = await signup(api, "owner")
        project = await create_project(api, owner)
        answer = await api.post(
            "/api/tasks",
            json={"project_id": project["id"], "title": "Hello"},
            headers=owner.headers,
        )
        assert answer.status_code == 201, answer.text
        task_id: str = answer.json()["id"]
        return task_id


async def test_a_task_created_through_the_api_reaches_the_subscriber_in_process(
    embedded: Runtime, pipeline: Start
) -> None:
    recorder = Recorder()
    await pipeline(recorder)

    task_id = await create_task(embedded)

    await eventually(lambda: bool(recorder.about(task_id)), within=5, what="the delivery")
    (event,) = recorder.about(task_id)
    assert event["source"] == "/taskflow/create_task"
    assert event.get_data()["task"]["title"] == "Hello"


async def test_a_subscriber_answering_503_gets_the_event_again(
    embedded: Runtime, pipeline: Start
) -> None:
    recorder = Recorder(answers=[503, 503])
    await pipeline(recorder)

    task_id = await create_task(embedded)

    await eventually(lambda: len(recorder.about(task_id)) == 3, within=5, what="two retries")


async def test_a_subscriber_that_raises_is_answered_500_and_gets_the_event_again(
    embedded: Runtime, pipeline: Start
) -> None:
    recorder = Recorder(answers=[RAISE])
    started = await pipeline(recorder)

    task_id = await create_task(embedded)

    await eventually(lambda: len(recorder.about(task_id)) == 2, within=5, what="the retry")
    assert started.broker.dead_letters == []


async def test_an_event_the_subscriber_rejects_is_kept_as_a_dead_letter(
    embedded: Runtime, pipeline: Start
) -> None:
    recorder = Recorder(answers=[400])
    started = await pipeline(recorder)

    task_id = await create_task(embedded)

    await eventually(lambda: bool(started.broker.dead_letters), within=5, what="dead-lettering")
    (dead,) = started.broker.dead_letters
    assert (dead.target, dead.event["subject"], dead.attempt.status) == (SUBSCRIBER, task_id, 400)
    assert len(recorder.about(task_id)) == 1, "a 400 is never retried"


async def test_an_event_undelivered_when_the_pipeline_stops_is_delivered_after_a_restart(
    embedded: Runtime, pipeline: Start
) -> None:
    # The first subscriber keeps failing, so the event waits for a retry when dev stops.
    failing = Recorder(answers=[503] * 10)
    first = await pipeline(failing)
    task_id = await create_task(embedded)
    await eventually(lambda: bool(failing.about(task_id)), within=5, what="the first attempt")

    await first.stop()
    async with embedded.engine.connect() as conn:
        published = await conn.scalar(
            select(outbox.c.published_at).where(
                outbox.c.subject == task_id, outbox.c.event_type == types.TASK_CREATED
            )
        )
    assert published is None, "handed back to the outbox, not lost"

    recorder = Recorder()
    await pipeline(recorder)
    await eventually(lambda: bool(recorder.about(task_id)), within=5, what="the redelivery")
