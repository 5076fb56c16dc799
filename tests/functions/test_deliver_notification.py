"""deliver_notification through functions-framework's own ASGI app, as Knative's broker calls it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cloudevents.http import CloudEvent
from httpx import ASGITransport, AsyncClient, Response

from events import types
from events.codec import binary_http, new_event, structured_http
from events.models import TaskAssigned
from tests.functions.conftest import Functions, load_function
from tests.functions.test_import_discipline import NEVER_IN_A_FUNCTION, _probe
from tests.integration.test_notifications import Team, comment_event, make_team
from tests.support import assert_problem

PATH = "/events/deliver-notification"


@pytest.fixture
async def sink(functions: Functions) -> AsyncIterator[AsyncClient]:
    """The app `functions-framework --asgi --target deliver_notification` serves."""
    transport = ASGITransport(app=load_function("deliver_notification"))
    async with AsyncClient(transport=transport, base_url="http://function.test") as client:
        yield client


async def _post(sink: AsyncClient, event: CloudEvent, mode: str) -> Response:
    headers, body = binary_http(event) if mode == "binary" else structured_http(event)
    return await sink.post(PATH, headers=headers, content=body)


def _assigned(team: Team) -> CloudEvent:
    """Ada assigns the task to Ben: he alone is told."""
    return new_event(
        types.TASK_ASSIGNED,
        TaskAssigned(task=team.task, previous_assignee_id=None),
        source=types.source_of("update_task"),
        subject=f"tasks/{team.task.id}",
        project_id=team.project_id,
        actor_id=team.ada.id,
    )


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_a_cloudevent_in_either_http_mode_becomes_a_notification(
    sink: AsyncClient, functions: Functions, api: AsyncClient, mode: str
) -> None:
    team = await make_team(api)

    response = await _post(sink, _assigned(team), mode)

    assert response.status_code == 202, response.text
    listed = await functions.get("/api/notifications", headers=team.ben.headers)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert item["message"] == "Ada assigned you “Write the launch post”"
    assert item["kind"] == "task.assigned"
    assert functions.answered_by == ["list_notifications"]


async def test_the_same_event_in_both_modes_is_one_notification(
    sink: AsyncClient, functions: Functions, api: AsyncClient
) -> None:
    team = await make_team(api)
    event = comment_event(team, team.cy)

    statuses = [(await _post(sink, event, mode)).status_code for mode in ("structured", "binary")]

    assert statuses == [202, 202]
    for person in (team.ada, team.ben):
        count = await functions.get("/api/notifications/unread-count", headers=person.headers)
        assert count.json() == {"unread": 1}


@pytest.mark.usefixtures("functions")
async def test_a_request_that_is_no_cloudevent_is_a_400_and_a_get_is_not_an_event(
    sink: AsyncClient,
) -> None:
    assert_problem(await sink.post(PATH, json={"hello": "world"}), 400)
    assert_problem(await sink.get(PATH), 405)
    assert (await sink.get("/healthz")).json() == {"status": "ok"}


NOTIFICATION_TARGETS = (
    "deliver_notification",
    "list_notifications",
    "unread_count",
    "mark_notifications_read",
    "notification_stream",
)


@pytest.mark.parametrize("target", NOTIFICATION_TARGETS)
def test_a_notification_function_loads_no_database_layer_or_server_until_it_needs_one(
    target: str,
) -> None:
    # The feed lives in Redis: SQLAlchemy loads on a first delivery or list, never at start.
    modules = _probe(target)["modules"]
    assert [m for m in (*NEVER_IN_A_FUNCTION, "sqlalchemy", "sse_starlette") if m in modules] == []
