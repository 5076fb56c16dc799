"""Each task's history: one entry per event that changed it, recorded once however often the
event arrives, and read newest first by the members of its project (after the task is
deleted too)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Insert, Select, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import (
    TaskAssigned,
    TaskFieldValues,
    TaskSnapshot,
    TaskStatusChanged,
    TaskUpdated,
)
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import InvalidInput, NotFound
from functions.core.models.activity import (
    ActivityEntry,
    ActivityKind,
    ActivityListQuery,
    ActivityPage,
)
from functions.core.pagination import ListOrder, decode_cursor, fetch_page
from functions.core.queries.keyset import past
from functions.core.services.access import require_role
from functions.core.services.recipients import parse_data
from functions.core.services.task_reads import NO_SUCH_TASK
from functions.core.tables import projects, task_activity, tasks, users

if TYPE_CHECKING:
    from cloudevents.http import CloudEvent

    from functions.core.runtime import Runtime

KIND_OF: Final[dict[str, ActivityKind]] = {
    types.TASK_CREATED: "created",
    types.TASK_UPDATED: "updated",
    types.TASK_STATUS_CHANGED: "status_changed",
    types.TASK_ASSIGNED: "assigned",
    types.TASK_DELETED: "deleted",
    types.COMMENT_ADDED: "comment_added",
    types.COMMENT_UPDATED: "comment_edited",
    types.COMMENT_DELETED: "comment_deleted",
}
# The fields an `updated` event may name: those whose before-values it carries.
UPDATABLE: Final = frozenset(TaskFieldValues.model_fields)
# The widths of the columns an event's text goes into.
MAX_EVENT_ATTRIBUTE: Final = 255
MAX_TITLE: Final = 200
NEWEST_FIRST: Final = ListOrder[ActivityEntry](
    "newest",
    (task_activity.c.occurred_at, task_activity.c.id),
    (datetime, uuid.UUID),
    lambda e: (e.occurred_at, e.id),
    descending=True,
)


async def record(rt: Runtime, event: CloudEvent) -> bool:
    """Add `event` to its task's history, once: False when its (source, id) is there already,
    or its project (and so the whole history) is gone. InvalidInput for an event a history
    cannot hold (another type, data that does not fit its schema)."""
    row = _entry_row(event)
    async with transaction(rt.engine) as conn:
        project = await conn.scalar(select(projects.c.id).where(projects.c.id == row["project_id"]))
        if project is None:
            return False
        if row["actor_id"] is not None:  # an account deleted since: the entry stays, nameless
            actor = select(users.c.id).where(users.c.id == row["actor_id"])
            row["actor_id"] = await conn.scalar(actor)
        if row["kind"] in ("comment_added", "comment_edited", "comment_deleted"):
            row["excerpt"] = await _words_kept(conn, row)
        written = await conn.execute(
            _insert_ignoring_duplicates(conn.dialect.name).values(row).returning(task_activity.c.id)
        )
        return written.first() is not None


def _entry_row(event: CloudEvent) -> dict[str, Any]:
    """The history row an event makes; InvalidInput (a 400, never retried) for a bad event."""
    kind = KIND_OF.get(event["type"])
    if kind is None:
        raise InvalidInput(f"a task's history does not record {event['type']}")
    data = parse_data(event)
    task = getattr(data, "task", None)
    if not isinstance(task, TaskSnapshot):
        raise InvalidInput("the event does not describe a task")
    row = {
        "id": uuid.uuid4(),
        "event_source": str(event["source"]),
        "event_id": str(event["id"]),
        "project_id": task.project_id,
        "task_id": task.id,
        "task_title": task.title,
        "actor_id": _actor(event),
        "kind": kind,
        "changes": _changes(data),
        "comment_id": getattr(data, "comment_id", None),
        "excerpt": getattr(data, "excerpt", None),
        "occurred_at": _occurred_at(event),
    }
    _refuse_unstorable(row)
    return row


def _changes(data: BaseModel) -> list[dict[str, Any]]:
    """[{field, before, after}], values as JSON (ids and instants as text)."""
    match data:
        case TaskStatusChanged(task=task, previous_status=previous):
            return [_change("status", previous, task.status)]
        case TaskAssigned(task=task, previous_assignee_id=previous):
            return [_change("assignee_id", _text(previous), _text(task.assignee_id))]
        case TaskUpdated(task=task, changed=changed, previous=previous):
            unknown = sorted(set(changed) - UPDATABLE)
            if unknown:
                raise InvalidInput(f"an update names fields a task does not have: {unknown}")
            # Events written before `previous` existed leave the before-values unknown.
            before = previous.model_dump(mode="json") if previous else {}
            after = task.model_dump(mode="json")
            return [_change(name, before.get(name), after.get(name)) for name in changed]
    return []


def _change(field: str, before: Any, after: Any) -> dict[str, Any]:
    return {"field": field, "before": before, "after": after}


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _actor(event: CloudEvent) -> uuid.UUID | None:
    actor = event.get(types.ACTOR_ID)
    try:
        return uuid.UUID(str(actor)) if actor else None
    except ValueError as exc:
        raise InvalidInput(f"{event['type']} has an actor id that is no id") from exc


def _occurred_at(event: CloudEvent) -> datetime:
    time = event.get("time")
    if not time:  # optional in CloudEvents; TaskFlow's own events always carry it
        return utcnow()
    try:
        moment = datetime.fromisoformat(str(time))
    except ValueError as exc:
        raise InvalidInput(f"{event['type']} has a time that is no instant") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _refuse_unstorable(row: dict[str, Any]) -> None:
    """Text the columns cannot hold is a bad event, not a server error to retry."""
    if max(len(row["event_source"]), len(row["event_id"])) > MAX_EVENT_ATTRIBUTE:
        raise InvalidInput(f"event sources and ids longer than {MAX_EVENT_ATTRIBUTE} are refused")
    if len(row["task_title"]) > MAX_TITLE:
        raise InvalidInput(f"task titles longer than {MAX_TITLE} are refused")
    values = [c[side] for c in row["changes"] for side in ("before", "after")]
    texts = [row["event_source"], row["event_id"], row["task_title"], row["excerpt"], *values]
    if any("\x00" in text for text in _strings(texts)):
        # PostgreSQL text cannot hold U+0000.
        raise InvalidInput("the event's text holds the NUL character")


def _strings(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from _strings(value)


async def _words_kept(conn: AsyncConnection, row: dict[str, Any]) -> str | None:
    """A comment's excerpt stays in the history only while the comment exists: its deletion
    takes the words out of the entries of its adding and editing (whichever event comes
    first)."""
    comment = (task_activity.c.task_id == row["task_id"]) & (
        task_activity.c.comment_id == row["comment_id"]
    )
    if row["kind"] == "comment_deleted":
        await conn.execute(
            update(task_activity)
            .where(comment, task_activity.c.kind.in_(("comment_added", "comment_edited")))
            .values(excerpt=None)
        )
        return None
    deleted = await conn.scalar(
        select(task_activity.c.id).where(comment, task_activity.c.kind == "comment_deleted")
    )
    return None if deleted is not None else row["excerpt"]


def _insert_ignoring_duplicates(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (event_source, event_id) DO NOTHING, on either database."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(task_activity).on_conflict_do_nothing(index_elements=["event_source", "event_id"])


def _entry_select() -> Select[Any]:
    return select(
        task_activity.c.id,
        task_activity.c.project_id,
        task_activity.c.task_id,
        task_activity.c.task_title,
        task_activity.c.actor_id,
        users.c.display_name.label("actor_name"),
        task_activity.c.kind,
        task_activity.c.changes,
        task_activity.c.comment_id,
        task_activity.c.excerpt,
        task_activity.c.occurred_at,
    ).select_from(task_activity.outerjoin(users, users.c.id == task_activity.c.actor_id))


async def list_task_activity(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, query: ActivityListQuery
) -> ActivityPage:
    """A task's history, newest first, one page at a time; a deleted task's too."""
    async with reading(rt.engine) as conn:
        project_id: uuid.UUID | None = await conn.scalar(
            select(tasks.c.project_id).where(tasks.c.id == task_id)
        )
        if project_id is None:  # deleted: its history still says where it was
            project_id = await conn.scalar(
                select(task_activity.c.project_id)
                .where(task_activity.c.task_id == task_id)
                .limit(1)
            )
        if project_id is None:
            raise NotFound(NO_SUCH_TASK)
        await require_role(conn, project_id, user_id, what="task")
        return await _page(conn, task_activity.c.task_id == task_id, query)


async def list_project_activity(
    rt: Runtime, user_id: uuid.UUID, project_id: uuid.UUID, query: ActivityListQuery
) -> ActivityPage:
    """The history of every task of a project, newest first, one page at a time."""
    async with reading(rt.engine) as conn:
        await require_role(conn, project_id, user_id)
        return await _page(conn, task_activity.c.project_id == project_id, query)


async def _page(
    conn: AsyncConnection, where: ColumnElement[bool], query: ActivityListQuery
) -> ActivityPage:
    statement = _entry_select().where(where)
    if query.cursor is not None:
        # The position as a range on the (task or project, occurred_at, id) index: a later page
        # starts where the previous one stopped (fetch_page's own condition cannot).
        position = decode_cursor(query.cursor, NEWEST_FIRST.name, NEWEST_FIRST.kinds)
        statement = statement.where(past(NEWEST_FIRST.keys, position, descending=True))
    items, next_cursor = await fetch_page(
        conn, statement, NEWEST_FIRST, ActivityEntry, cursor=None, limit=query.limit
    )
    return ActivityPage(items=items, next_cursor=next_cursor)
