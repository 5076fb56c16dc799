"""Each task's history: recorded from the events its changes produce, once however often they
arrive, and read newest first by the members of its project, after the task is deleted too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import delete, func, select
from starlette.applications import Starlette
from starlette.routing import Route

from events import types
from events.codec import binary_http, new_event, structured_http
from events.models import MemberAdded, TaskCreated, TaskSnapshot
from functions.activity import record_activity
from functions.core import runtime
from functions.core.errors import InvalidInput
from functions.core.outbox import from_row
from functions.core.services import activity
from functions.core.tables import outbox, task_activity, users
from tests.support import User, assert_problem, create_project, share_project, signup

RECORD_PATH = "/events/record-activity"


async def task_events(task_id: str) -> list[CloudEvent]:
    """The events the task's changes wrote to the outbox, in the order they were written."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox).where(outbox.c.subject == task_id).order_by(outbox.c.id)
            )
        ).all()
    return [from_row(row._mapping) for row in rows]


async def post_event(event: CloudEvent, mode: str = "binary") -> Response:
    """POST the event to record_activity as the dispatcher (or a Knative Trigger) does."""
    headers, body = binary_http(event) if mode == "binary" else structured_http(event)
    return await post_raw(headers, body)


async def post_raw(headers: dict[str, str], body: bytes) -> Response:
    app = Starlette(routes=[Route(RECORD_PATH, record_activity, methods=["POST"])])
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://sink.test") as sink:
        return await sink.post(RECORD_PATH, headers=headers, content=body)


async def deliver_all(task_id: str, mode: str = "binary") -> None:
    for event in await task_events(task_id):
        response = await post_event(event, mode)
        assert response.status_code == 202, response.text


async def history(api: AsyncClient, user: User, task_id: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/api/tasks/{task_id}/activity", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def project_history(
    api: AsyncClient, user: User, project_id: str, **params: Any
) -> dict[str, Any]:
    response = await api.get(
        f"/api/projects/{project_id}/activity", params=params, headers=user.headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def stored_rows(task_id: str) -> int:
    async with runtime.current().engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(task_activity.c.task_id == uuid.UUID(task_id))
        )
    return int(count or 0)


async def create_task(
    api: AsyncClient, user: User, project_id: str, **fields: Any
) -> dict[str, Any]:
    body = {"project_id": project_id, "title": "Draft the post", **fields}
    response = await api.post("/api/tasks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def change(api: AsyncClient, user: User, task_id: str, **fields: Any) -> None:
    response = await api.patch(f"/api/tasks/{task_id}", json=fields, headers=user.headers)
    assert response.status_code == 200, response.text


async def team(api: AsyncClient) -> tuple[User, User, str]:
    """Ada owns a project; Ben is an editor in it."""
    ada, ben = await signup(api, "ada"), await signup(api, "ben")
    project = await create_project(api, ada, "Launch")
    await share_project(api, ada, project["id"], ben)
    return ada, ben, project["id"]


def said(entry: dict[str, Any]) -> tuple[Any, ...]:
    """An entry as (who, kind, what changed, excerpt): what a timeline puts in words."""
    changes = [(c["field"], c["before"], c["after"]) for c in entry["changes"]]
    return entry["actor_name"], entry["kind"], changes, entry["excerpt"]


async def test_a_tasks_history_says_who_changed_what_from_what_to_what(
    any_api: AsyncClient,
) -> None:
    ada, ben, project_id = await team(any_api)
    task = await create_task(any_api, ada, project_id)
    tid = task["id"]
    due = "2030-03-01T17:00:00Z"
    await change(any_api, ada, tid, title="Publish the post", priority="high", due_at=due)
    await change(any_api, ben, tid, status="in_progress")
    await change(any_api, ada, tid, assignee_id=str(ben.id))
    await change(any_api, ada, tid, assignee_id=None)
    added = await any_api.post(
        f"/api/tasks/{tid}/comments", json={"body": "Draft is in the doc."}, headers=ben.headers
    )
    assert added.status_code == 201, added.text
    comment_id = added.json()["id"]
    gone = await any_api.delete(f"/api/tasks/{tid}/comments/{comment_id}", headers=ben.headers)
    assert gone.status_code == 204
    assert (await any_api.delete(f"/api/tasks/{tid}", headers=ada.headers)).status_code == 204

    await deliver_all(tid)

    page = await history(any_api, ada, tid)
    assert page["next_cursor"] is None
    entries = page["items"]
    assert [said(e) for e in entries] == [
        ("Ada", "deleted", [], None),
        # A deleted comment's words leave the history.
        ("Ben", "comment_deleted", [], None),
        ("Ben", "comment_added", [], None),
        ("Ada", "updated", [("assignee_id", str(ben.id), None)], None),
        ("Ada", "assigned", [("assignee_id", None, str(ben.id))], None),
        ("Ben", "status_changed", [("status", "todo", "in_progress")], None),
        (
            "Ada",
            "updated",
            [
                ("title", "Draft the post", "Publish the post"),
                ("priority", "medium", "high"),
                ("due_at", None, "2030-03-01T17:00:00Z"),
            ],
            None,
        ),
        ("Ada", "created", [], None),
    ]
    # The title as it was at each moment.
    assert [e["task_title"] for e in entries][-2:] == ["Publish the post", "Draft the post"]
    assert {e["comment_id"] for e in entries[1:3]} == {comment_id}
    assert {e["task_id"] for e in entries} == {tid}
    assert {e["project_id"] for e in entries} == {project_id}
    assert [e["actor_id"] for e in entries][:3] == [str(ada.id), str(ben.id), str(ben.id)]
    times = [datetime.fromisoformat(e["occurred_at"]) for e in entries]
    assert times == sorted(times, reverse=True)
    assert all(t.tzinfo is not None and t <= datetime.now(UTC) for t in times)


async def test_a_task_created_with_an_assignee_starts_with_two_entries(api: AsyncClient) -> None:
    ada, ben, project_id = await team(api)
    task = await create_task(api, ada, project_id, assignee_id=str(ben.id))
    await deliver_all(task["id"])
    entries = (await history(api, ben, task["id"]))["items"]
    assert [said(e) for e in entries] == [
        ("Ada", "assigned", [("assignee_id", None, str(ben.id))], None),
        ("Ada", "created", [], None),
    ]


async def comment(api: AsyncClient, user: User, task_id: str, body: str) -> str:
    added = await api.post(
        f"/api/tasks/{task_id}/comments", json={"body": body}, headers=user.headers
    )
    assert added.status_code == 201, added.text
    comment_id: str = added.json()["id"]
    return comment_id


async def test_a_comment_shows_its_start_until_it_is_deleted(any_api: AsyncClient) -> None:
    ada, ben, project_id = await team(any_api)
    task = await create_task(any_api, ada, project_id)
    kept = await comment(any_api, ben, task["id"], "Looks good. " + "x" * 300)
    await comment(any_api, ben, task["id"], "My password is hunter2")
    await deliver_all(task["id"])
    entries = (await history(any_api, ada, task["id"]))["items"]
    assert [e["excerpt"] for e in entries] == [
        "My password is hunter2",
        "Looks good. " + "x" * 187 + "…",
        None,
    ]

    gone_id = entries[0]["comment_id"]
    gone = await any_api.delete(f"/api/tasks/{task['id']}/comments/{gone_id}", headers=ben.headers)
    assert gone.status_code == 204
    await deliver_all(task["id"])

    entries = (await history(any_api, ada, task["id"]))["items"]
    assert [(e["kind"], e["comment_id"], e["excerpt"]) for e in entries] == [
        ("comment_deleted", gone_id, None),
        ("comment_added", gone_id, None),
        ("comment_added", kept, "Looks good. " + "x" * 187 + "…"),
        ("created", None, None),
    ]


async def test_a_comment_deleted_before_its_adding_arrives_leaves_no_words(
    api: AsyncClient,
) -> None:
    ada, _, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    comment_id = await comment(api, ada, task["id"], "Oops, wrong task")
    assert (
        await api.delete(f"/api/tasks/{task['id']}/comments/{comment_id}", headers=ada.headers)
    ).status_code == 204

    for event in reversed(await task_events(task["id"])):
        assert (await post_event(event)).status_code == 202

    entries = (await history(api, ada, task["id"]))["items"]
    assert [(e["kind"], e["excerpt"]) for e in entries] == [
        ("comment_deleted", None),
        ("comment_added", None),
        ("created", None),
    ]


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_a_redelivered_event_adds_nothing(any_api: AsyncClient, mode: str) -> None:
    ada, _, project_id = await team(any_api)
    task = await create_task(any_api, ada, project_id)
    await change(any_api, ada, task["id"], status="done")
    await deliver_all(task["id"], mode)
    first = await history(any_api, ada, task["id"])

    await deliver_all(task["id"], "structured" if mode == "binary" else "binary")
    assert [await activity.record(runtime.current(), e) for e in await task_events(task["id"])] == [
        False,
        False,
    ]

    assert await history(any_api, ada, task["id"]) == first
    assert await stored_rows(task["id"]) == 2


async def test_pages_of_history_come_newest_first_without_gaps_or_repeats(
    any_api: AsyncClient,
) -> None:
    ada, _, project_id = await team(any_api)
    task = await create_task(any_api, ada, project_id, title="v0")
    for n in range(1, 6):
        await change(any_api, ada, task["id"], title=f"v{n}")
    other = await create_task(any_api, ada, project_id, title="Another")
    await deliver_all(task["id"])
    await deliver_all(other["id"])
    whole = (await history(any_api, ada, task["id"]))["items"]
    assert [e["task_title"] for e in whole] == ["v5", "v4", "v3", "v2", "v1", "v0"]

    async def walk(read: Any, target: str) -> tuple[list[str], int]:
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = await read(any_api, ada, target, **params)
            assert len(page["items"]) <= 2
            seen += [e["id"] for e in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                return seen, pages

    assert await walk(history, task["id"]) == ([e["id"] for e in whole], 3)
    # The project's history holds both tasks', newest first.
    whole_project = (await project_history(any_api, ada, project_id))["items"]
    assert [e["task_title"] for e in whole_project] == [
        "Another",
        *(e["task_title"] for e in whole),
    ]
    assert await walk(project_history, project_id) == ([e["id"] for e in whole_project], 4)


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4Ijox"])
async def test_a_cursor_the_history_did_not_give_out_is_404(api: AsyncClient, cursor: str) -> None:
    ada, _, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    for path in (f"/api/tasks/{task['id']}/activity", f"/api/projects/{project_id}/activity"):
        assert_problem(await api.get(path, params={"cursor": cursor}, headers=ada.headers), 404)


async def test_non_members_and_unknown_ids_are_not_found_as_elsewhere(api: AsyncClient) -> None:
    ada, _, project_id = await team(api)
    stranger = await signup(api, "stranger")
    task = await create_task(api, ada, project_id)
    await deliver_all(task["id"])

    for path, elsewhere in (
        (f"/api/tasks/{task['id']}/activity", f"/api/tasks/{task['id']}"),
        (f"/api/projects/{project_id}/activity", f"/api/projects/{project_id}"),
        (f"/api/tasks/{uuid.uuid4()}/activity", f"/api/tasks/{uuid.uuid4()}"),
        (f"/api/projects/{uuid.uuid4()}/activity", f"/api/projects/{uuid.uuid4()}"),
        ("/api/tasks/not-a-task/activity", "/api/tasks/not-a-task"),
        ("/api/projects/not-a-project/activity", "/api/projects/not-a-project"),
    ):
        refused = assert_problem(await api.get(path, headers=stranger.headers), 404)
        other = assert_problem(await api.get(elsewhere, headers=stranger.headers), 404)
        assert (refused["title"], refused["detail"]) == (other["title"], other["detail"])
    assert_problem(await api.get(f"/api/tasks/{task['id']}/activity"), 401)


async def test_a_deleted_tasks_history_is_read_by_its_projects_members_only(
    api: AsyncClient,
) -> None:
    ada, ben, project_id = await team(api)
    viewer, stranger = await signup(api, "vera"), await signup(api, "stranger")
    await share_project(api, ada, project_id, viewer, "viewer")
    task = await create_task(api, ada, project_id, title="Short-lived")
    assert (await api.delete(f"/api/tasks/{task['id']}", headers=ada.headers)).status_code == 204
    await deliver_all(task["id"])
    assert_problem(await api.get(f"/api/tasks/{task['id']}", headers=ada.headers), 404)

    for member in (ada, ben, viewer):
        entries = (await history(api, member, task["id"]))["items"]
        assert [(e["kind"], e["task_title"]) for e in entries] == [
            ("deleted", "Short-lived"),
            ("created", "Short-lived"),
        ]
    path = f"/api/tasks/{task['id']}/activity"
    assert_problem(await api.get(path, headers=stranger.headers), 404)
    # A member who leaves no longer sees it.
    removed = await api.delete(f"/api/projects/{project_id}/members/{ben.id}", headers=ada.headers)
    assert removed.status_code == 204, removed.text
    assert_problem(await api.get(path, headers=ben.headers), 404)


async def test_a_task_whose_events_have_not_arrived_yet_has_an_empty_history(
    api: AsyncClient,
) -> None:
    ada, _, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    assert await history(api, ada, task["id"]) == {"items": [], "next_cursor": None}


async def test_an_actor_whose_account_is_gone_stays_in_the_history_without_a_name(
    api: AsyncClient,
) -> None:
    ada, ben, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    await change(api, ben, task["id"], status="review")
    await deliver_all(task["id"])
    async with runtime.current().engine.begin() as conn:
        await conn.execute(delete(users).where(users.c.id == ben.id))
    entries = (await history(api, ada, task["id"]))["items"]
    assert [(e["kind"], e["actor_id"], e["actor_name"]) for e in entries] == [
        ("status_changed", None, None),
        ("created", str(ada.id), "Ada"),
    ]


async def test_deleting_a_project_deletes_its_history(api: AsyncClient) -> None:
    ada, _, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    await deliver_all(task["id"])
    assert (await api.delete(f"/api/projects/{project_id}", headers=ada.headers)).status_code == 204
    assert await stored_rows(task["id"]) == 0
    assert_problem(await api.get(f"/api/tasks/{task['id']}/activity", headers=ada.headers), 404)


async def test_an_event_whose_project_is_gone_is_taken_and_stores_nothing(api: AsyncClient) -> None:
    ada, _, project_id = await team(api)
    task = await create_task(api, ada, project_id)
    [created] = await task_events(task["id"])
    assert (await api.delete(f"/api/projects/{project_id}", headers=ada.headers)).status_code == 204
    assert (await post_event(created)).status_code == 202
    assert await stored_rows(task["id"]) == 0


def _snapshot(project_id: str, **fields: Any) -> dict[str, Any]:
    task = TaskSnapshot(
        id=uuid.uuid4(),
        project_id=uuid.UUID(project_id),
        title="Forged",
        status="todo",
        priority="medium",
        assignee_id=None,
        creator_id=None,
        due_at=None,
        labels=[],
        version=1,
    )
    return {**task.model_dump(mode="json"), **fields}


def _forged(event_type: str, data: dict[str, Any], **attributes: str) -> CloudEvent:
    return CloudEvent(
        {
            "type": event_type,
            "source": "/tests/forger",
            "id": str(uuid.uuid4()),
            "datacontenttype": "application/json",
            **attributes,
        },
        data,
    )


def _malformed(project_id: str) -> dict[str, CloudEvent]:
    task = _snapshot(project_id)
    return {
        "no-task": _forged(types.TASK_CREATED, {"title": "no task here"}),
        "bad-status": _forged(
            types.TASK_STATUS_CHANGED, {"task": task, "previous_status": "sleeping"}
        ),
        "unknown-field-updated": _forged(
            types.TASK_UPDATED, {"task": task, "changed": ["version"], "previous": {}}
        ),
        "nothing-updated": _forged(types.TASK_UPDATED, {"task": task, "changed": []}),
        "actor-not-an-id": _forged(types.TASK_CREATED, {"task": task}, actorid="ada"),
        "time-not-an-instant": _forged(types.TASK_CREATED, {"task": task}, time="yesterday"),
        "title-too-long": _forged(types.TASK_CREATED, {"task": {**task, "title": "x" * 201}}),
        "nul-in-title": _forged(types.TASK_CREATED, {"task": {**task, "title": "a\x00b"}}),
        "not-a-history-type": _forged(
            types.MEMBER_ADDED,
            MemberAdded(
                project_id=uuid.UUID(project_id),
                project_name="Launch",
                user_id=uuid.uuid4(),
                role="editor",
            ).model_dump(mode="json"),
        ),
    }


MALFORMED = [
    "no-task",
    "bad-status",
    "unknown-field-updated",
    "nothing-updated",
    "actor-not-an-id",
    "time-not-an-instant",
    "title-too-long",
    "nul-in-title",
    "not-a-history-type",
]


@pytest.mark.parametrize("case", MALFORMED)
async def test_the_event_function_refuses_a_malformed_event_as_a_bad_event(
    api: AsyncClient, case: str
) -> None:
    _, _, project_id = await team(api)
    event = _malformed(project_id)[case]

    response = await post_event(event)

    # A 400 is dead-lettered, never retried.
    assert_problem(response, 400)
    async with runtime.current().engine.connect() as conn:
        found = await conn.scalar(
            select(func.count()).where(task_activity.c.project_id == uuid.UUID(project_id))
        )
    assert found == 0


async def test_what_is_not_a_cloudevent_is_a_400(api: AsyncClient) -> None:
    assert_problem(await post_raw({"content-type": "application/json"}, b'{"task": {}}'), 400)


async def test_recording_an_event_of_another_type_is_invalid_input(api: AsyncClient) -> None:
    _, _, project_id = await team(api)
    event = new_event(
        types.TASK_DUE_SOON,
        TaskCreated(task=TaskSnapshot.model_validate(_snapshot(project_id))),
        source=types.source_of("emit_due_soon"),
        subject="anything",
    )
    with pytest.raises(InvalidInput, match="does not record"):
        await activity.record(runtime.current(), event)
