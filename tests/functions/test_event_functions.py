"""The event functions through functions-framework's own ASGI app, on the real servers."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudevents.http import CloudEvent
from sqlalchemy import select

from events import types
from events.codec import STRUCTURED_CONTENT_TYPE, binary_http, from_http_request, structured_http
from events.schemas import path_of
from functions.core import runtime
from functions.core.tables import outbox
from tests.functions.conftest import Functions
from tests.support import PASSWORD, assert_problem

PING = "dev.knative.sources.ping"


async def _signed_in_with_project(functions: Functions) -> tuple[dict[str, str], str]:
    registered = await functions.post(
        "/api/auth/register",
        json={
            "email": f"producer-{secrets.token_hex(4)}@example.com",
            "password": PASSWORD,
            "display_name": "Producer",
        },
    )
    assert registered.status_code == 201, registered.text
    user = {"Authorization": f"Bearer {registered.json()['access_token']}"}
    project = await functions.post("/api/projects", json={"name": "Imported"}, headers=user)
    assert project.status_code == 201, project.text
    return user, str(project.json()["id"])


def _command(project_id: str, **data: Any) -> CloudEvent:
    return CloudEvent(
        {"type": types.TASK_CREATE, "source": "/tests/functions", "id": str(uuid.uuid4())},
        {"project_id": project_id, "title": "From a CloudEvent", **data},
    )


async def _outbox_event_ids(subject: str, event_type: str) -> list[str]:
    async with runtime.current().engine.connect() as conn:
        found = await conn.execute(
            select(outbox.c.event_id).where(
                outbox.c.subject == subject, outbox.c.event_type == event_type
            )
        )
    return list(found.scalars())


async def test_receive_event_answers_a_binary_command_with_a_binary_created_event(
    functions: Functions,
) -> None:
    user, project_id = await _signed_in_with_project(functions)
    headers, body = binary_http(_command(project_id, priority="high"))
    response = await functions.client("receive_event").post(
        "/api/events", content=body, headers={**headers, **user}
    )
    assert response.status_code == 200, response.text
    assert response.headers["ce-type"] == types.TASK_CREATED
    assert response.headers["content-type"] == "application/json"
    created = from_http_request(dict(response.headers), response.content)
    data = created.get_data()
    assert isinstance(data, dict)
    task = data["task"]
    assert task["priority"] == "high"
    assert await _outbox_event_ids(task["id"], types.TASK_CREATED) == [created["id"]]


async def test_receive_event_answers_a_structured_command_with_a_structured_created_event(
    functions: Functions,
) -> None:
    user, project_id = await _signed_in_with_project(functions)
    headers, body = structured_http(_command(project_id))
    response = await functions.client("receive_event").post(
        "/api/events", content=body, headers={**headers, **user}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == STRUCTURED_CONTENT_TYPE
    envelope = response.json()
    assert envelope["type"] == types.TASK_CREATED
    task = envelope["data"]["task"]
    assert task["title"] == "From a CloudEvent"
    assert await _outbox_event_ids(task["id"], types.TASK_CREATED) == [envelope["id"]]


async def test_receive_event_refuses_what_is_not_a_cloudevent(functions: Functions) -> None:
    user, project_id = await _signed_in_with_project(functions)
    response = await functions.client("receive_event").post(
        "/api/events", json={"project_id": project_id, "title": "x"}, headers=user
    )
    assert_problem(response, 400)


async def test_the_schema_function_serves_a_committed_schema(functions: Functions) -> None:
    response = await functions.get(f"/api/events/schemas/{types.TASK_DUE_SOON}")
    assert response.status_code == 200, response.text
    assert response.content == path_of(types.TASK_DUE_SOON).read_bytes()
    assert functions.answered_by == ["get_event_schema"]


async def test_emit_due_soon_answers_a_pingsource_event_with_the_count_it_emitted(
    functions: Functions,
) -> None:
    user, project_id = await _signed_in_with_project(functions)
    due_at = datetime.now(UTC) + timedelta(hours=1)
    created = await functions.post(
        "/api/tasks",
        json={"project_id": project_id, "title": "Soon", "due_at": due_at.isoformat()},
        headers=user,
    )
    assert created.status_code == 201, created.text
    ping = CloudEvent(
        {"type": PING, "source": "/apis/v1/namespaces/taskflow/pingsources/due-soon"},
        {"note": "scheduled"},
    )
    headers, body = binary_http(ping)
    sweeper = functions.client("emit_due_soon")

    first = await sweeper.post("/schedule/due-soon", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["emitted"] >= 1
    assert len(await _outbox_event_ids(created.json()["id"], types.TASK_DUE_SOON)) == 1

    # A local timer posts nothing at all; the task is not announced a second time.
    again = await sweeper.post("/schedule/due-soon")
    assert again.status_code == 200, again.text
    assert again.json() == {"emitted": 0}
    assert len(await _outbox_event_ids(created.json()["id"], types.TASK_DUE_SOON)) == 1


async def test_emit_due_soon_takes_only_posts(functions: Functions) -> None:
    response = await functions.client("emit_due_soon").get("/schedule/due-soon")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
