"""Who is told about an event, and in what words: one Notice per recipient.

Shared by every channel (the in-app feed, e-mail, webhooks), so they all say the same thing
to the same people. The actor is never told about their own change, and only current
members of the project are told anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cloudevents.http import CloudEvent
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import (
    DATA_MODELS,
    CommentAdded,
    MemberAdded,
    TaskAssigned,
    TaskCreated,
    TaskDeleted,
    TaskDueSoon,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
)
from events.vocabulary import STATUS_NAMES
from functions.core.errors import InvalidInput
from functions.core.settings import Settings
from functions.core.tables import project_members, projects, users

SOMEONE: Final = "Someone"


@dataclass(frozen=True)
class Notice:
    """What one user is told about one event."""

    user_id: uuid.UUID
    kind: str  # the event type without its `com.taskflow.` prefix, e.g. `task.assigned`
    message: str
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    event_id: str
    event_source: str
    time: datetime


@dataclass(frozen=True)
class _Context:
    actor_id: uuid.UUID | None
    actor: str
    project: str
    members: frozenset[uuid.UUID]


def parse_data(event: CloudEvent) -> BaseModel:
    """The event's data as its model; InvalidInput (a 400, never retried) if it does not fit."""
    model = DATA_MODELS.get(event["type"])
    if model is None:
        raise InvalidInput(f"unknown event type {event['type']}")
    try:
        return model.model_validate(event.get_data())
    except ValidationError as exc:
        raise InvalidInput(f"the data of {event['type']} does not match its schema") from exc


async def notices_for(conn: AsyncConnection, event: CloudEvent) -> list[Notice]:
    data = parse_data(event)
    project_id = data.project_id if isinstance(data, MemberAdded) else _task(data).project_id
    actor_id = _uuid(event.get(types.ACTOR_ID))
    context = await _context(conn, project_id, actor_id)
    task = None if isinstance(data, MemberAdded) else _task(data)
    notices = []
    for user_id, message in _messages(data, context):
        if user_id is None or user_id == actor_id or user_id not in context.members:
            continue
        notices.append(
            Notice(
                user_id=user_id,
                kind=event["type"].removeprefix("com.taskflow."),
                message=message,
                project_id=project_id,
                task_id=task.id if task else None,
                actor_id=actor_id,
                event_id=event["id"],
                event_source=event["source"],
                time=datetime.fromisoformat(event["time"]),
            )
        )
    # One notice per person, the first (most specific) message kept.
    unique: dict[uuid.UUID, Notice] = {}
    for notice in notices:
        unique.setdefault(notice.user_id, notice)
    return list(unique.values())


def _messages(data: BaseModel, c: _Context) -> Iterable[tuple[uuid.UUID | None, str]]:
    everyone = sorted(c.members)
    match data:
        case TaskAssigned(task=task):
            yield task.assignee_id, f"{c.actor} assigned you “{task.title}”"
        case TaskCreated(task=task):
            # The assignee hears of it through its own `assigned` event.
            message = f"{c.actor} created “{task.title}” in {c.project}"
            yield from ((u, message) for u in everyone if u != task.assignee_id)
        case TaskStatusChanged(task=task, previous_status=previous):
            message = (
                f"{c.actor} moved “{task.title}” from {STATUS_NAMES[previous]} "
                f"to {STATUS_NAMES[task.status]}"
            )
            yield from ((u, message) for u in _involved(task))
        case TaskUpdated(task=task, changed=changed):
            fields = ", ".join(name.replace("_id", "").replace("_", " ") for name in changed)
            message = f"{c.actor} changed the {fields} of “{task.title}”"
            yield from ((u, message) for u in _involved(task))
        case TaskDeleted(task=task):
            message = f"{c.actor} deleted “{task.title}” from {c.project}"
            yield from ((u, message) for u in _involved(task))
        case CommentAdded(task=task, excerpt=excerpt):
            message = f"{c.actor} commented on “{task.title}”: {excerpt}"
            yield from ((u, message) for u in _involved(task))
        case TaskDueSoon(task=task, due_at=due_at):
            message = f"“{task.title}” is due {due_at:%Y-%m-%d %H:%M} UTC"
            yield (task.assignee_id or task.creator_id), message
        case MemberAdded(user_id=user_id, role=role):
            yield user_id, f"{c.actor} added you to {c.project} as {role}"


def _involved(task: TaskSnapshot) -> list[uuid.UUID | None]:
    return [task.assignee_id, task.creator_id]


def _task(data: BaseModel) -> TaskSnapshot:
    task = getattr(data, "task", None)
    if not isinstance(task, TaskSnapshot):
        raise InvalidInput("the event does not describe a task")
    return task


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def _context(
    conn: AsyncConnection, project_id: uuid.UUID, actor_id: uuid.UUID | None
) -> _Context:
    project = await conn.scalar(select(projects.c.name).where(projects.c.id == project_id))
    members = (
        await conn.scalars(
            select(project_members.c.user_id).where(project_members.c.project_id == project_id)
        )
    ).all()
    actor = None
    if actor_id is not None:
        actor = await conn.scalar(select(users.c.display_name).where(users.c.id == actor_id))
    return _Context(actor_id, actor or SOMEONE, project or "a deleted project", frozenset(members))


def notice_link(settings: Settings, notice: Notice) -> str:
    """Where the web app shows what the notice is about (the project, once a task is gone)."""
    base = settings.public_url.rstrip("/")
    if notice.task_id is not None and notice.kind != "task.deleted":
        return f"{base}/tasks/{notice.task_id}"
    return f"{base}/projects/{notice.project_id}"
