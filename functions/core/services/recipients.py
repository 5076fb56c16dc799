"""Who is told about an event, and in what words: one Notice per recipient.

Shared by every channel (the in-app feed, e-mail, webhooks), so they all say the same thing
to the same people. The actor is never told about their own change, and only current
members of the project are told anything.

Who hears of what:
- a change to a task (updated, status changed, deleted, commented on, due soon): its
  watchers (services.watchers), those of the moment the task was deleted for a deletion;
- a reminder: only the person whose reminder it is;
- a new task: the members who asked to hear of every new task in the project (its assignee
  hears of it through its own `assigned` event);
- an assignment: the assignee; a new member: that member;
- a mention (`@Name` in a comment or a description, newly there): the person mentioned, with
  the kind `mention`, whatever else the event tells others; an edited comment tells no one
  else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
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
    CommentUpdated,
    MemberAdded,
    TaskAssigned,
    TaskCreated,
    TaskDeleted,
    TaskDueSoon,
    TaskReminder,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
    excerpt,
)
from events.vocabulary import STATUS_NAMES
from functions.core.clock import utcnow
from functions.core.errors import InvalidInput
from functions.core.services.watchers import watcher_ids
from functions.core.services.wording import due_soon_message, reminder_message
from functions.core.settings import Settings
from functions.core.tables import project_members, projects, users

SOMEONE: Final = "Someone"
# The kind of a notice that someone wrote your name: more specific than what the event is.
MENTION: Final = "mention"


@dataclass(frozen=True)
class Notice:
    """What one user is told about one event."""

    user_id: uuid.UUID
    # The event type without its `com.taskflow.` prefix (`task.assigned`), or `mention`.
    kind: str
    message: str
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    actor_id: uuid.UUID | None
    event_id: str
    event_source: str
    time: datetime
    # The due instant a due-soon or reminder notice is about (the web app shows it in the
    # reader's zone).
    due_at: datetime | None = None


@dataclass(frozen=True)
class _Context:
    actor_id: uuid.UUID | None
    actor: str
    project: str
    members: frozenset[uuid.UUID]
    # The task's watchers (a task event), or the members told of every new task (`created`).
    watchers: tuple[uuid.UUID, ...] = ()
    # Each member's time zone (None: UTC), and when the event happened: times in a notice
    # are written for its reader.
    zones: Mapping[uuid.UUID, str | None] = field(default_factory=dict)
    now: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class _Line:
    """One person's notice about the event: of the event's own kind unless `kind` says."""

    user_id: uuid.UUID | None
    message: str
    kind: str | None = None


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
    time = datetime.fromisoformat(event["time"])
    context = await _context(conn, project_id, actor_id, time)
    task = None if isinstance(data, MemberAdded) else _task(data)
    if task is not None:
        context = replace(context, watchers=await _followers(conn, data, task))
    notices = []
    for line in [*_mentions(data, context), *_messages(data, context)]:
        user_id = line.user_id
        if user_id is None or user_id == actor_id or user_id not in context.members:
            continue
        notices.append(
            Notice(
                user_id=user_id,
                kind=line.kind or event["type"].removeprefix("com.taskflow."),
                message=line.message,
                project_id=project_id,
                task_id=task.id if task else None,
                actor_id=actor_id,
                event_id=event["id"],
                event_source=event["source"],
                time=time,
                due_at=data.due_at if isinstance(data, TaskDueSoon | TaskReminder) else None,
            )
        )
    # One notice per person, the first (most specific) message kept.
    unique: dict[uuid.UUID, Notice] = {}
    for notice in notices:
        unique.setdefault(notice.user_id, notice)
    return list(unique.values())


def _mentions(data: BaseModel, c: _Context) -> Iterable[_Line]:
    """A notice of the kind `mention` for each person the event newly mentions."""
    match data:
        case CommentAdded(task=task, excerpt=words) | CommentUpdated(task=task, excerpt=words):
            pass
        case TaskCreated(task=task) | TaskUpdated(task=task):
            words = excerpt(task.description or "")
        case _:
            return
    mentioned: list[uuid.UUID] = getattr(data, "mentioned_ids", [])
    message = f"{c.actor} mentioned you in “{task.title}”" + (f": {words}" if words else "")
    yield from (_Line(u, message, MENTION) for u in mentioned)


def _messages(data: BaseModel, c: _Context) -> Iterable[_Line]:
    match data:
        case TaskAssigned(task=task):
            yield _Line(task.assignee_id, f"{c.actor} assigned you “{task.title}”")
        case TaskCreated(task=task):
            # The assignee hears of it through its own `assigned` event.
            message = f"{c.actor} created “{task.title}” in {c.project}"
            yield from (_Line(u, message) for u in c.watchers if u != task.assignee_id)
        case TaskStatusChanged(task=task, previous_status=previous):
            message = (
                f"{c.actor} moved “{task.title}” from {STATUS_NAMES[previous]} "
                f"to {STATUS_NAMES[task.status]}"
            )
            yield from (_Line(u, message) for u in c.watchers)
        case TaskUpdated(task=task, changed=changed):
            fields = ", ".join(dict.fromkeys(_field_name(name) for name in changed))
            message = f"{c.actor} changed the {fields} of “{task.title}”"
            yield from (_Line(u, message) for u in c.watchers)
        case TaskDeleted(task=task):
            message = f"{c.actor} deleted “{task.title}” from {c.project}"
            yield from (_Line(u, message) for u in c.watchers)
        case CommentAdded(task=task, excerpt=excerpt):
            message = f"{c.actor} commented on “{task.title}”: {excerpt}"
            yield from (_Line(u, message) for u in c.watchers)
        case TaskDueSoon(task=task, due_at=due_at):
            # Each reader's own time zone (and day: "today" is theirs).
            for u in c.watchers:
                when = due_soon_message(task.title, due_at, task.due_date, c.zones.get(u), c.now)
                yield _Line(u, when)
        case TaskReminder(task=task, user_id=user_id, due_at=due_at):
            when = reminder_message(task.title, due_at, task.due_date, c.zones.get(user_id), c.now)
            yield _Line(user_id, when)
        case MemberAdded(user_id=user_id, role=role):
            yield _Line(user_id, f"{c.actor} added you to {c.project} as {role}")


async def _followers(
    conn: AsyncConnection, data: BaseModel, task: TaskSnapshot
) -> tuple[uuid.UUID, ...]:
    """Who follows what the event says: the members told of every new task for `created`, the
    watchers the deletion recorded for `deleted`, the task's watchers now for the others."""
    match data:
        case TaskReminder():
            return ()  # its person alone, whether or not they watch the task
        case TaskCreated():
            subscribed = await conn.scalars(
                select(project_members.c.user_id).where(
                    project_members.c.project_id == task.project_id,
                    project_members.c.notify_new_tasks,
                )
            )
            return tuple(sorted(subscribed.all()))
        case TaskDeleted(watcher_ids=recorded) if "watcher_ids" in data.model_fields_set:
            return tuple(recorded)
        case TaskDeleted():  # written before deletions named their watchers
            return tuple(u for u in (task.assignee_id, task.creator_id) if u is not None)
    ids = await watcher_ids(conn, task.id, task.project_id, task.creator_id, task.assignee_id)
    return tuple(ids)


def _field_name(field: str) -> str:
    """A changed field as people say it; an all-day date changes due_at and due_date together,
    both "due date"."""
    if field in ("due_at", "due_date"):
        return "due date"
    return field.removesuffix("_id").replace("_", " ")


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
    conn: AsyncConnection, project_id: uuid.UUID, actor_id: uuid.UUID | None, now: datetime
) -> _Context:
    project = await conn.scalar(select(projects.c.name).where(projects.c.id == project_id))
    zones: dict[uuid.UUID, str | None] = {
        row.user_id: row.time_zone
        for row in await conn.execute(
            select(project_members.c.user_id, users.c.time_zone)
            .join(users, users.c.id == project_members.c.user_id)
            .where(project_members.c.project_id == project_id)
        )
    }
    members = list(zones)
    actor = None
    if actor_id is not None:
        actor = await conn.scalar(select(users.c.display_name).where(users.c.id == actor_id))
    return _Context(
        actor_id,
        actor or SOMEONE,
        project or "a deleted project",
        frozenset(members),
        zones=zones,
        now=now,
    )


def notice_link(settings: Settings, notice: Notice) -> str:
    """Where the web app shows what the notice is about (the project, once a task is gone)."""
    base = settings.public_url.rstrip("/")
    if notice.task_id is not None and notice.kind != "task.deleted":
        return f"{base}/tasks/{notice.task_id}"
    return f"{base}/projects/{notice.project_id}"
