"""record_activity, task_activity and project_activity through functions-framework's own ASGI
apps, as Knative's broker and the gateway reach them."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from events.codec import binary_http, structured_http
from tests.functions.conftest import Functions, load_function
from tests.integration.test_activity import task_events
from tests.support import PASSWORD, assert_problem

PATH = "/events/record-activity"


@pytest.fixture
async def sink(functions: Functions) -> AsyncIterator[AsyncClient]:
    """The app `functions-framework --asgi --target record_activity` serves."""
    transport = ASGITransport(app=load_function("record_activity"))
    async with AsyncClient(transport=transport, base_url="http://function.test") as client:
        yield client


async def _signed_in(functions: Functions) -> dict[str, str]:
    registered = await functions.post(
        "/api/auth/register",
        json={
            "email": f"historian-{secrets.token_hex(4)}@example.com",
            "password": PASSWORD,
            "display_name": "Hana",
        },
    )
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {registered.json()['access_token']}"}


def _json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_events_in_either_http_mode_become_the_history_each_function_reads(
    sink: AsyncClient, functions: Functions, mode: str
) -> None:
    user = await _signed_in(functions)
    project = _json(await functions.post("/api/projects", json={"name": "Log"}, headers=user), 201)
    task = _json(
        await functions.post(
            "/api/tasks", json={"project_id": project["id"], "title": "Keep a log"}, headers=user
        ),
        201,
    )
    moved = await functions.patch(
        f"/api/tasks/{task['id']}", json={"status": "review"}, headers=user
    )
    assert moved.status_code == 200, moved.text

    for event in await task_events(task["id"]):
        headers, body = binary_http(event) if mode == "binary" else structured_http(event)
        answered = await sink.post(PATH, headers=headers, content=body)
        assert answered.status_code == 202, answered.text

    entries = _json(await functions.get(f"/api/tasks/{task['id']}/activity", headers=user), 200)
    assert [(e["actor_name"], e["kind"], e["changes"]) for e in entries["items"]] == [
        ("Hana", "status_changed", [{"field": "status", "before": "todo", "after": "review"}]),
        ("Hana", "created", []),
    ]
    whole = _json(await functions.get(f"/api/projects/{project['id']}/activity", headers=user), 200)
    assert whole == entries
    assert functions.answered_by[-2:] == ["task_activity", "project_activity"]


@pytest.mark.usefixtures("functions")
async def test_record_activity_refuses_what_it_cannot_record_and_takes_only_posts(
    sink: AsyncClient,
) -> None:
    assert_problem(await sink.post(PATH, json={"task": {}}), 400)
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "forged-1",
        "ce-source": "/tests/forger",
        "ce-type": "com.taskflow.task.created",
        "content-type": "application/json",
    }
    refused = assert_problem(await sink.post(PATH, headers=headers, content=b'{"task": 1}'), 400)
    assert refused["title"] == "Invalid event"
    assert_problem(await sink.get(PATH), 405)
