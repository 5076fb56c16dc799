"""The outbox: every change writes its events in its own transaction, and only then."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, update

from events import types
from events.models import DATA_MODELS, TaskCreated, TaskSnapshot
from events.schemas import path_of
from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.models.tasks import TaskCreate
from functions.core.outbox import build, from_row, prune_published, record
from functions.core.runtime import Runtime
from functions.core.services.task_commands import create_task_in
from functions.core.tables import outbox, tasks
from tests.integration.helpers_tasks import add_member, create_task, owner_with_inbox
from tests.support import assert_problem, signup

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


async def _events_about(subject: uuid.UUID | str) -> list[dict[str, Any]]:
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(outbox).where(outbox.c.subject == str(subject)).order_by(outbox.c.id)
            )
        ).all()
    return [dict(row._mapping) for row in rows]


def _types(rows: list[dict[str, Any]]) -> list[str]:
    return [row["event_type"] for row in rows]


def _valid(row: dict[str, Any]) -> dict[str, Any]:
    """The row's data fits its model and its committed JSON Schema."""
    schema = json.loads(path_of(row["event_type"]).read_text())
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        row["payload"]
    )
    DATA_MODELS[row["event_type"]].model_validate(row["payload"])
    payload: dict[str, Any] = row["payload"]
    return payload


async def test_creating_a_task_writes_its_event_with_source_subject_extensions_and_trace(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "Write the launch post"},
        headers={**owner.headers, "traceparent": TRACEPARENT},
    )
    assert response.status_code == 201, response.text
    task = response.json()

    [row] = await _events_about(task["id"])
    assert row["event_type"] == types.TASK_CREATED
    assert row["published_at"] is None
    event = from_row(row)
    assert event["source"] == "/taskflow/create_task"
    assert event["subject"] == task["id"]
    assert event[types.PROJECT_ID] == str(inbox)
    assert event[types.ACTOR_ID] == str(owner.id)
    # The request's trace continues into the event (in a span of the function's own).
    assert event[types.TRACEPARENT].split("-")[1] == TRACE_ID
    assert _valid(row)["task"]["title"] == "Write the launch post"


async def test_a_task_created_with_an_assignee_also_announces_the_assignment(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    member = await signup(any_api, "member")
    await add_member(inbox, member, "editor")
    task = await create_task(any_api, owner, inbox, assignee_id=str(member.id))

    rows = await _events_about(task["id"])
    assert _types(rows) == [types.TASK_CREATED, types.TASK_ASSIGNED]
    assert _valid(rows[1])["task"]["assignee_id"] == str(member.id)
    assert rows[1]["payload"]["previous_assignee_id"] is None


async def test_creating_a_task_hands_back_the_events_it_wrote_to_the_outbox(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    member = await signup(any_api, "member")
    await add_member(inbox, member, "editor")
    data = TaskCreate(project_id=inbox, title="Hand them back", assignee_id=member.id)
    async with transaction(runtime.current().engine) as conn:
        task, events = await create_task_in(conn, owner.id, data)

    rows = await _events_about(task.id)
    assert [e["type"] for e in events] == [types.TASK_CREATED, types.TASK_ASSIGNED]
    assert [e["id"] for e in events] == [row["event_id"] for row in rows]
    assert [e.get_data() for e in events] == [row["payload"] for row in rows]


async def test_each_kind_of_change_writes_its_own_event(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    member = await signup(any_api, "member")
    await add_member(inbox, member, "editor")
    task = await create_task(any_api, owner, inbox)
    path = f"/api/tasks/{task['id']}"

    for change in (
        {"status": "in_progress"},
        {"assignee_id": str(member.id)},
        {"title": "Renamed", "priority": "high"},
        {"title": "Renamed"},  # nothing changes: no event
        {"assignee_id": None},
    ):
        response = await any_api.patch(path, json=change, headers=owner.headers)
        assert response.status_code == 200, response.text
    comment = await any_api.post(
        f"{path}/comments", json={"body": "On it " + "x" * 300}, headers=member.headers
    )
    assert comment.status_code == 201
    assert (await any_api.delete(path, headers=owner.headers)).status_code == 204

    rows = await _events_about(task["id"])
    assert _types(rows) == [
        types.TASK_CREATED,
        types.TASK_STATUS_CHANGED,
        types.TASK_ASSIGNED,
        types.TASK_UPDATED,
        types.TASK_UPDATED,
        types.COMMENT_ADDED,
        types.TASK_DELETED,
    ]
    payloads = [_valid(row) for row in rows]
    assert payloads[1]["previous_status"] == "todo"
    assert payloads[1]["task"]["status"] == "in_progress"
    assert payloads[3]["changed"] == ["title", "priority"]
    assert payloads[4]["changed"] == ["assignee_id"]
    assert payloads[5]["author_id"] == str(member.id)
    assert len(payloads[5]["excerpt"]) == 200
    assert payloads[6]["task"]["title"] == "Renamed"
    actors = [from_row(row)[types.ACTOR_ID] for row in rows]
    assert actors == [str(owner.id)] * 5 + [str(member.id), str(owner.id)]


async def test_a_bulk_change_writes_one_event_per_task(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    ids = [(await create_task(any_api, owner, inbox))["id"] for _ in range(3)]
    response = await any_api.post(
        "/api/tasks/bulk", json={"ids": ids, "set": {"status": "done"}}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    for task_id in ids:
        rows = await _events_about(task_id)
        assert _types(rows) == [types.TASK_CREATED, types.TASK_STATUS_CHANGED]


async def test_adding_a_member_writes_an_event_about_the_project(any_api: AsyncClient) -> None:
    owner = await signup(any_api, "owner")
    member = await signup(any_api, "member")
    project = await any_api.post("/api/projects", json={"name": "Launch"}, headers=owner.headers)
    project_id = project.json()["id"]
    response = await any_api.post(
        f"/api/projects/{project_id}/members",
        json={"user_id": str(member.id), "role": "viewer"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text

    [row] = await _events_about(project_id)
    assert row["event_type"] == types.MEMBER_ADDED
    assert _valid(row) == {
        "project_id": project_id,
        "project_name": "Launch",
        "user_id": str(member.id),
        "role": "viewer",
        "display_name": "Member",
        "email": member.email,
    }


async def test_a_refused_change_writes_no_event(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    stale = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"title": "x", "version": 7}, headers=owner.headers
    )
    assert_problem(stale, 409)
    assert _types(await _events_about(task["id"])) == [types.TASK_CREATED]


async def _count(table: Any) -> int:
    async with runtime.current().engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_task_row_and_its_event_commit_together_or_not_at_all(
    any_api: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    tasks_before, events_before = await _count(tasks), await _count(outbox)

    def broken_outbox(*_: object) -> dict[str, Any]:
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr("functions.core.outbox.to_row", broken_outbox)
    response = await any_api.post(
        "/api/tasks", json={"project_id": str(inbox), "title": "Lost?"}, headers=owner.headers
    )
    assert_problem(response, 500)
    assert (await _count(tasks), await _count(outbox)) == (tasks_before, events_before)

    monkeypatch.undo()
    await create_task(any_api, owner, inbox)
    assert (await _count(tasks), await _count(outbox)) == (tasks_before + 1, events_before + 1)


async def test_pruning_deletes_old_published_events_and_never_unpublished_ones(
    pg_runtime: Runtime,
) -> None:
    now = utcnow()
    old, recent, pending = (
        build(types.TASK_CREATED, _snapshot_data(), subject=uuid.uuid4()) for _ in range(3)
    )
    async with transaction(pg_runtime.engine) as conn:
        await record(conn, [old, recent, pending])
        for event, published in (
            (old, now - timedelta(hours=200)),
            (recent, now - timedelta(hours=1)),
            (pending, None),
        ):
            await conn.execute(
                update(outbox)
                .where(outbox.c.event_id == event["id"])
                .values(published_at=published)
            )
        # An unpublished row older than the retention is an event still on its way.
        await conn.execute(
            update(outbox)
            .where(outbox.c.event_id == pending["id"])
            .values(created_at=now - timedelta(hours=300))
        )

    async with transaction(pg_runtime.engine) as conn:
        deleted = await prune_published(conn, now - timedelta(hours=168))

    assert deleted >= 1
    async with pg_runtime.engine.connect() as conn:
        kept = set(
            await conn.scalars(
                select(outbox.c.event_id).where(
                    outbox.c.event_id.in_([old["id"], recent["id"], pending["id"]])
                )
            )
        )
    assert kept == {recent["id"], pending["id"]}


def _snapshot_data() -> TaskCreated:
    return TaskCreated(
        task=TaskSnapshot(
            id=uuid.uuid4(),
            project_id=uuid.uuid4(),
            title="Pruned",
            status="done",
            priority="low",
            assignee_id=None,
            creator_id=None,
            due_at=None,
            labels=[],
            version=1,
        )
    )
