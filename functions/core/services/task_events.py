"""Which events a change to tasks, comments, members and projects produces (written to the
outbox)."""

from __future__ import annotations

import uuid
from typing import Final

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import (
    CommentAdded,
    CommentDeleted,
    CommentUpdated,
    MemberAdded,
    MemberChanged,
    MemberRemoved,
    ProjectDeleted,
    ProjectSnapshot,
    ProjectUpdated,
    TaskAssigned,
    TaskCreated,
    TaskDeleted,
    TaskFieldValues,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
    excerpt,
)
from events.vocabulary import Role
from functions.core.models.projects import MemberPublic, ProjectPublic
from functions.core.models.tasks import CommentPublic, TaskPublic
from functions.core.outbox import build, record

# Status and assignee changes have events of their own; `updated` names the other fields.
# Subtask counts move with the subtasks' own events; the next occurrence has its `created`.
_OWN_EVENTS: Final = frozenset(
    {
        "status",
        "assignee_id",
        "version",
        "updated_at",
        "completed_at",
        "subtask_count",
        "subtasks_done",
        "next_occurrence_id",
    }
)


def snapshot(task: TaskPublic) -> TaskSnapshot:
    return TaskSnapshot.model_validate(task.model_dump())


async def task_created(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    task: TaskPublic,
    mentioned_ids: list[uuid.UUID] | None = None,
) -> list[CloudEvent]:
    """`created`, and `assigned` too when the task starts with an assignee; returns them.
    `mentioned_ids`: the members its description mentions."""
    now = snapshot(task)
    created = TaskCreated(task=now, mentioned_ids=mentioned_ids or [])
    events = [_about(task, actor_id, types.TASK_CREATED, created)]
    if task.assignee_id is not None:
        assigned = TaskAssigned(task=now, previous_assignee_id=None)
        events.append(_about(task, actor_id, types.TASK_ASSIGNED, assigned))
    await record(conn, events)
    return events


async def tasks_changed(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    changes: list[tuple[TaskPublic, TaskPublic]],
    mentioned: dict[uuid.UUID, list[uuid.UUID]] | None = None,
) -> None:
    """For each (before, after): `status_changed`, `assigned`, `updated` as they apply;
    `mentioned` names, by task, the members a new description newly mentions."""
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
            previous = TaskFieldValues.model_validate(
                {name: getattr(before, name) for name in changed}
            )
            data_updated = TaskUpdated(
                task=now,
                changed=changed,
                previous=previous,
                mentioned_ids=(mentioned or {}).get(after.id, []),
            )
            events.append(_about(after, actor_id, types.TASK_UPDATED, data_updated))
    await record(conn, events)


async def task_deleted(
    conn: AsyncConnection, actor_id: uuid.UUID, task: TaskPublic, watcher_ids: list[uuid.UUID]
) -> None:
    """`deleted`, naming who watched the task (afterwards nothing can say)."""
    data = TaskDeleted(task=snapshot(task), watcher_ids=watcher_ids)
    await record(conn, [_about(task, actor_id, types.TASK_DELETED, data)])


async def comment_added(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    task: TaskPublic,
    comment: CommentPublic,
    mentioned_ids: list[uuid.UUID] | None = None,
) -> None:
    data = CommentAdded(
        task=snapshot(task),
        comment_id=comment.id,
        author_id=actor_id,
        excerpt=excerpt(comment.body),
        body=comment.body,
        created_at=comment.created_at,
        mentioned_ids=mentioned_ids or [],
    )
    await record(conn, [_about(task, actor_id, types.COMMENT_ADDED, data)])


async def comment_updated(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    task: TaskPublic,
    comment: CommentPublic,
    mentioned_ids: list[uuid.UUID],
) -> None:
    """Its author changed a comment; `mentioned_ids` are the people the edit newly mentions."""
    data = CommentUpdated(
        task=snapshot(task),
        comment_id=comment.id,
        author_id=comment.author_id,
        excerpt=excerpt(comment.body),
        body=comment.body,
        edited_at=comment.edited_at or comment.updated_at,
        mentioned_ids=mentioned_ids,
    )
    await record(conn, [_about(task, actor_id, types.COMMENT_UPDATED, data)])


async def comment_deleted(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    task: TaskPublic,
    comment_id: uuid.UUID,
    author_id: uuid.UUID | None,
) -> None:
    data = CommentDeleted(task=snapshot(task), comment_id=comment_id, author_id=author_id)
    await record(conn, [_about(task, actor_id, types.COMMENT_DELETED, data)])


async def member_added(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    project_id: uuid.UUID,
    project_name: str,
    member: MemberPublic,
) -> None:
    data = MemberAdded(
        project_id=project_id,
        project_name=project_name,
        user_id=member.user_id,
        role=member.role,
        display_name=member.display_name,
        email=member.email,
    )
    await record(conn, [_in_project(project_id, actor_id, types.MEMBER_ADDED, data)])


async def member_changed(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    project_id: uuid.UUID,
    project_name: str,
    member: MemberPublic,
    previous_role: Role,
) -> None:
    data = MemberChanged(
        project_id=project_id,
        project_name=project_name,
        user_id=member.user_id,
        role=member.role,
        previous_role=previous_role,
    )
    await record(conn, [_in_project(project_id, actor_id, types.MEMBER_CHANGED, data)])


async def member_removed(
    conn: AsyncConnection,
    actor_id: uuid.UUID,
    project_id: uuid.UUID,
    project_name: str,
    member: MemberPublic,
    unassigned: list[tuple[TaskPublic, TaskPublic]],
) -> None:
    """`member_removed`, then an `updated` for each task the member no longer holds."""
    data = MemberRemoved(
        project_id=project_id,
        project_name=project_name,
        user_id=member.user_id,
        role=member.role,
        unassigned_task_ids=[after.id for _, after in unassigned],
    )
    await record(conn, [_in_project(project_id, actor_id, types.MEMBER_REMOVED, data)])
    await tasks_changed(conn, actor_id, unassigned)


async def project_updated(
    conn: AsyncConnection, actor_id: uuid.UUID, project: ProjectPublic, changed: list[str]
) -> None:
    data = ProjectUpdated(
        project=ProjectSnapshot.model_validate(project.model_dump()), changed=changed
    )
    await record(conn, [_in_project(project.id, actor_id, types.PROJECT_UPDATED, data)])


async def project_deleted(
    conn: AsyncConnection, actor_id: uuid.UUID, project_id: uuid.UUID, project_name: str
) -> None:
    data = ProjectDeleted(project_id=project_id, project_name=project_name)
    await record(conn, [_in_project(project_id, actor_id, types.PROJECT_DELETED, data)])


def _in_project(
    project_id: uuid.UUID, actor_id: uuid.UUID, event_type: str, data: BaseModel
) -> CloudEvent:
    """An event about a project itself: the project is its subject."""
    return build(event_type, data, subject=project_id, project_id=project_id, actor_id=actor_id)


def _about(task: TaskPublic, actor_id: uuid.UUID, event_type: str, data: BaseModel) -> CloudEvent:
    """An event about `task`: its subject is the task, in the task's project."""
    return build(event_type, data, subject=task.id, project_id=task.project_id, actor_id=actor_id)
