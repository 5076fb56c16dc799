"""Which events a change to tasks, comments and members produces (written to the outbox)."""

from __future__ import annotations

import uuid
from typing import Final

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import (
    CommentAdded,
    MemberAdded,
    TaskAssigned,
    TaskCreated,
    TaskDeleted,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
    excerpt,
)
from events.vocabulary import Role
from functions.core.models.tasks import TaskPublic
from functions.core.outbox import build, record

# Status and assignee changes have events of their own; `updated` names the other fields.
_OWN_EVENTS: Final = frozenset({"status", "assignee_id", "version", "updated_at", "completed_at"})


def snapshot(task: TaskPublic) -> TaskSnapshot:
    return TaskSnapshot.model_validate(task.model_dump())


async def task_created(
    conn: AsyncConnection, actor_id: uuid.UUID, task: TaskPublic
) -> list[CloudEvent]:
    """`created`, and `assigned` too when the task starts with an assignee; returns them."""
    now = snapshot(task)
    events = [_about(task, actor_id, types.TASK_CREATED, TaskCreated(task=now))]
    if task.assignee_id is not None:
        assigned = TaskAssigned(task=now, previous_assignee_id=None)
        events.append(_about(task, actor_id, types.TASK_ASSIGNED, assigned))
    await record(conn, events)
    return events


async def tasks_changed(
    conn: AsyncConnection, actor_id: uuid.UUID, changes: list[tuple[TaskPublic, TaskPublic]]
) -> None:
    """For each (before, after): `status_changed`, `assigned`, `updated` as they apply."""
    events = []
    for before, after in changes:
        now = snapshot(after)
        if after.status != before.status:
            data = TaskStatusChanged(task=now, previous_status=before.status)
            events.append(_about(after, actor_id, types.TASK_STATUS_CHANGED, data))
        if after.assignee_id != before.assignee_id and after.assignee_id is not None:
            assigned = TaskAssigned(task=now, previous_assignee_id=before.assignee_id)
            events.append(_about(after, actor_id, types.TASK_ASSIGNED, assigned))
        changed = [
            name
            for name in TaskPublic.model_fields
            if name not in _OWN_EVENTS and getattr(before, name) != getattr(after, name)
        ]
        if after.assignee_id is None and before.assignee_id is not None:
            changed.append("assignee_id")  # unassigning has no event of its own
        if changed:
            data_updated = TaskUpdated(task=now, changed=changed)
            events.append(_about(after, actor_id, types.TASK_UPDATED, data_updated))
    await record(conn, events)


async def task_deleted(conn: AsyncConnection, actor_id: uuid.UUID, task: TaskPublic) -> None:
    data = TaskDeleted(task=snapshot(task))
    await record(conn, [_about(task, actor_id, types.TASK_DELETED, data)])


async def comment_added(
    conn: AsyncConnection, actor_id: uuid.UUID, task: TaskPublic, comment_id: uuid.UUID, body: str
) -> None:
    data = CommentAdded(
        task=snapshot(task), comment_id=comment_id, author_id=actor_id, excerpt=excerpt(body)
    )
    await record(conn, [_about(task, actor_id, types.COMMENT_ADDED, data)])


async def member_added(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    *,
    project_id: uuid.UUID,
    project_name: str,
    user_id: uuid.UUID,
    role: Role,
) -> None:
    data = MemberAdded(project_id=project_id, project_name=project_name, user_id=user_id, role=role)
    event = build(
        types.MEMBER_ADDED, data, subject=project_id, project_id=project_id, actor_id=actor_id
    )
    await record(conn, [event])


def _about(task: TaskPublic, actor_id: uuid.UUID, event_type: str, data: BaseModel) -> CloudEvent:
    """An event about `task`: its subject is the task, in the task's project."""
    return build(event_type, data, subject=task.id, project_id=task.project_id, actor_id=actor_id)
