"""Other systems create tasks by POSTing a `com.taskflow.task.create` CloudEvent."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from cloudevents.http import CloudEvent
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from events import types
from events.codec import STRUCTURED_CONTENT_TYPE, binary_http, from_http_request, structured_http
from events.schemas import dataschema_of
from functions.core import runtime
from functions.core.tables import outbox, tasks
from tests.support import User, assert_problem, create_project, share_project, signup

PATH = "/api/events"
SOURCE = "/tests/crm"


def command(data: dict[str, Any], *, event_id: str | None = None, **attributes: str) -> CloudEvent:
    return CloudEvent(
        {
            "type": types.TASK_CREATE,
            "source": SOURCE,
            "id": event_id or str(uuid.uuid4()),
            "datacontenttype": "application/json",
            **attributes,
        },
        data,
    )


async def send(
    api: AsyncClient, user: User | None, event: CloudEvent, *, structured: bool = False
) -> Response:
    headers, body = structured_http(event) if structured else binary_http(event)
    if user is not None:
        headers.update(user.headers)
    return await api.post(PATH, content=body, headers=headers)


def task_of(event: CloudEvent) -> dict[str, Any]:
    data = event.get_data()
    assert isinstance(data, dict)
    task: dict[str, Any] = data["task"]
    return task


def reply_event(response: Response, *, structured: bool) -> CloudEvent:
    """The CloudEvent answered, after checking it came back in the mode it was sent in."""
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    if structured:
        assert media_type == STRUCTURED_CONTENT_TYPE
        assert not any(name.startswith("ce-") for name in response.headers)
    else:
        assert media_type == "application/json"
        assert response.headers["ce-specversion"] == "1.0"
    return from_http_request(dict(response.headers), response.content)


async def outbox_row(event_id: str) -> dict[str, Any]:
    async with runtime.current().engine.connect() as conn:
        row = (await conn.execute(select(outbox).where(outbox.c.event_id == event_id))).one()
    return dict(row._mapping)


async def task_count(project_id: str) -> int:
    async with runtime.current().engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(tasks.c.project_id == uuid.UUID(project_id))
        )
    return int(count or 0)


async def owner_and_project(api: AsyncClient) -> tuple[User, str]:
    owner = await signup(api, "producer")
    project = await create_project(api, owner, "Imported")
    return owner, str(project["id"])


async def _created_in_mode(any_api: AsyncClient, *, structured: bool) -> None:
    owner, project_id = await owner_and_project(any_api)
    sent = command(
        {
            "project_id": project_id,
            "title": " Call the customer ",
            "priority": "urgent",
            "labels": ["CRM"],
            "due_at": "2031-02-03T10:00:00+01:00",
            "assignee_id": str(owner.id),
        }
    )
    created = reply_event(
        await send(any_api, owner, sent, structured=structured), structured=structured
    )

    assert created["type"] == types.TASK_CREATED
    assert created["source"] == types.source_of("receive_event")
    assert created["dataschema"] == dataschema_of(types.TASK_CREATED)
    assert created[types.ACTOR_ID] == str(owner.id)
    assert created[types.PROJECT_ID] == project_id
    task = task_of(created)
    assert created["subject"] == task["id"]
    assert (task["title"], task["priority"], task["labels"]) == (
        "Call the customer",
        "urgent",
        ["crm"],
    )

    row = await outbox_row(created["id"])  # the very event written to the outbox
    assert (row["event_type"], row["source"], row["subject"]) == (
        types.TASK_CREATED,
        created["source"],
        created["subject"],
    )
    assert row["payload"] == created.get_data()

    stored = await any_api.get(f"/api/tasks/{task['id']}", headers=owner.headers)
    assert stored.status_code == 200, stored.text
    expected = {k: stored.json()[k] for k in task}
    assert {**task, "due_at": expected["due_at"]} == expected
    assert stored.json()["creator_id"] == str(owner.id)


async def test_a_binary_command_creates_the_task_and_is_answered_by_its_created_event_in_binary(
    any_api: AsyncClient,
) -> None:
    await _created_in_mode(any_api, structured=False)


async def test_a_structured_command_is_answered_by_the_created_event_in_structured_mode(
    any_api: AsyncClient,
) -> None:
    await _created_in_mode(any_api, structured=True)


async def test_a_retried_command_creates_one_task_and_gets_the_same_created_event(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    sent = command({"project_id": project_id, "title": "Once"})
    first = reply_event(await send(any_api, owner, sent), structured=False)
    again = reply_event(await send(any_api, owner, sent), structured=False)
    in_other_mode = reply_event(await send(any_api, owner, sent, structured=True), structured=True)

    assert again["id"] == in_other_mode["id"] == first["id"]
    assert again.get_data() == in_other_mode.get_data() == first.get_data()
    assert await task_count(project_id) == 1

    other = command({"project_id": project_id, "title": "Once"})  # same data, another event
    assert reply_event(await send(any_api, owner, other), structured=False)["id"] != first["id"]
    assert await task_count(project_id) == 2


async def test_the_same_source_and_id_from_another_user_is_that_users_own_task(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    other, other_project = await owner_and_project(any_api)
    event_id = str(uuid.uuid4())
    mine = reply_event(
        await send(
            any_api, owner, command({"project_id": project_id, "title": "A"}, event_id=event_id)
        ),
        structured=False,
    )
    theirs = reply_event(
        await send(
            any_api, other, command({"project_id": other_project, "title": "B"}, event_id=event_id)
        ),
        structured=False,
    )
    assert theirs["id"] != mine["id"]
    assert task_of(theirs)["project_id"] == other_project
    assert await task_count(other_project) == 1


async def test_concurrent_deliveries_of_one_command_create_one_task(any_api: AsyncClient) -> None:
    owner, project_id = await owner_and_project(any_api)
    sent = command({"project_id": project_id, "title": "Racing"})
    answers = await asyncio.gather(*(send(any_api, owner, sent) for _ in range(4)))

    created = {reply_event(a, structured=False)["id"] for a in answers if a.status_code == 200}
    assert len(created) == 1
    for busy in (a for a in answers if a.status_code != 200):
        assert_problem(busy, 409)
        assert busy.headers["retry-after"] == "1"
    assert await task_count(project_id) == 1


async def test_a_refused_command_may_be_retried_once_the_cause_is_fixed(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    producer = await signup(any_api, "integration")
    sent = command({"project_id": project_id, "title": "Needs access"})
    assert_problem(await send(any_api, producer, sent), 404)

    await share_project(any_api, owner, project_id, producer, "editor")
    created = reply_event(await send(any_api, producer, sent), structured=False)
    assert created[types.ACTOR_ID] == str(producer.id)
    assert await task_count(project_id) == 1


async def test_an_unknown_event_type_is_refused_with_the_accepted_types(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    sent = command({"project_id": project_id, "title": "x"}, type="com.example.ticket.opened")
    for structured in (False, True):
        body = assert_problem(await send(any_api, owner, sent, structured=structured), 400)
        assert body["accepted_types"] == [types.TASK_CREATE]
    assert await task_count(project_id) == 0


async def test_a_request_that_is_not_a_cloudevent_is_a_bad_request(any_api: AsyncClient) -> None:
    owner, project_id = await owner_and_project(any_api)
    data = {"project_id": project_id, "title": "x"}
    plain_json = await any_api.post(PATH, json=data, headers=owner.headers)
    assert assert_problem(plain_json, 400)["title"] == "Not a CloudEvent"

    headers, body = binary_http(command(data))
    for missing in ("ce-id", "ce-source", "ce-type"):
        partial = {k: v for k, v in headers.items() if k != missing}
        response = await any_api.post(PATH, content=body, headers={**partial, **owner.headers})
        assert_problem(response, 400)

    envelope = {"specversion": "1.0", "type": types.TASK_CREATE, "source": 7, "id": "1"}
    numeric_source = await any_api.post(
        PATH,
        content=json.dumps({**envelope, "data": data}),
        headers={"Content-Type": STRUCTURED_CONTENT_TYPE, **owner.headers},
    )
    assert_problem(numeric_source, 400)
    valid_head = json.dumps({**envelope, "source": SOURCE}).encode()[:-1]
    nested = valid_head + b', "data": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for malformed in (b"{", b"[]", b"", nested):
        response = await any_api.post(
            PATH,
            content=malformed,
            headers={"Content-Type": STRUCTURED_CONTENT_TYPE, **owner.headers},
        )
        assert_problem(response, 400)
    assert await task_count(project_id) == 0


async def test_data_that_is_not_a_task_create_is_unprocessable_with_its_errors(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    bad = command({"project_id": "not-a-uuid", "title": "", "is_admin": True})
    for structured in (False, True):
        body = assert_problem(await send(any_api, owner, bad, structured=structured), 422)
        assert {tuple(e["loc"]) for e in body["errors"]} == {
            ("data", "project_id"),
            ("data", "title"),
            ("data", "is_admin"),
        }
    headers, _ = binary_http(command({}))
    not_json = await any_api.post(PATH, content=b"title=x", headers={**headers, **owner.headers})
    assert_problem(not_json, 422)
    assert await task_count(project_id) == 0


async def test_a_command_needs_a_valid_access_token(any_api: AsyncClient) -> None:
    _owner, project_id = await owner_and_project(any_api)
    sent = command({"project_id": project_id, "title": "Anonymous"})
    unsigned = await send(any_api, None, sent)
    assert_problem(unsigned, 401)
    assert unsigned.headers["www-authenticate"] == 'Bearer realm="taskflow"'
    headers, body = binary_http(sent)
    forged = await any_api.post(
        PATH, content=body, headers={**headers, "Authorization": "Bearer not.a.token"}
    )
    assert_problem(forged, 401)
    assert await task_count(project_id) == 0


async def test_projects_are_guarded_as_when_creating_a_task_directly(
    any_api: AsyncClient,
) -> None:
    owner, project_id = await owner_and_project(any_api)
    outsider = await signup(any_api, "outsider")
    viewer = await signup(any_api, "viewer")
    await share_project(any_api, owner, project_id, viewer, "viewer")

    assert_problem(
        await send(any_api, outsider, command({"project_id": project_id, "title": "x"})), 404
    )
    assert_problem(
        await send(any_api, viewer, command({"project_id": project_id, "title": "x"})), 403
    )
    stranger = command({"project_id": project_id, "title": "x", "assignee_id": str(outsider.id)})
    body = assert_problem(await send(any_api, owner, stranger), 422)
    assert body["errors"][0]["loc"] == ["assignee_id"]
    assert await task_count(project_id) == 0
