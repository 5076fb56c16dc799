"""Reminders: each person's, on a task; when they fire, and the defaults they start with.

Rules in one place:
- a reminder is one person's own: any member who may read the task sets, lists and deletes
  theirs, and sees no one else's; at most MAX_REMINDERS_PER_TASK per person and task;
- it fires at `remind_at`, or `offset_minutes` before the task's due date: `fire_at`, kept in
  step whenever the due date moves (NULL while there is none), and `fired_at` cleared when
  `fire_at` moves, so it fires again for the new date;
- a task assigned to someone (or given a due date while assigned) gets their default
  reminders, unless they have reminders on it already;
- `emit_reminders` (a sweep, every minute) claims the reminders due with `FOR UPDATE SKIP
  LOCKED`, writes a `com.taskflow.task.reminder` event for each whose task is open and whose
  person is still a member, and marks them fired, in one transaction per batch. The event's
  id is derived from the reminder and its `fire_at` (services.timed_events): two sweeps at
  once, or one run again, write it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from cloudevents.http import CloudEvent
from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from events import types
from events.models import TaskReminder, TaskSnapshot
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Conflict, NotFound
from functions.core.models.reminders import (
    MAX_REMINDERS_PER_TASK,
    ReminderCreate,
    ReminderPublic,
    RemindersPublic,
)
from functions.core.models.tasks import TaskPublic
from functions.core.outbox import record
from functions.core.queries.tasks import CLOSED
from functions.core.runtime import Runtime
from functions.core.services.preferences import default_reminders
from functions.core.services.task_reads import visible_task_project
from functions.core.services.timed_events import instant_event_id, recorded, timed_event
from functions.core.tables import UtcDateTime, project_members, reminders, tasks

SOURCE: Final = types.source_of("emit_reminders")
# Fixed forever: changing it would fire every reminder of the outbox's memory a second time.
EVENT_ID_NAMESPACE: Final = uuid.UUID("4d1c7b52-8e0a-4f3b-9a6d-3c5e2f7b1a84")
BATCH_SIZE: Final = 500
NO_SUCH_REMINDER: Final = "no such reminder"

_PUBLIC_COLUMNS: Final = tuple(reminders.c[name] for name in ReminderPublic.model_fields)
_SNAPSHOT_COLUMNS: Final = tuple(tasks.c[name] for name in TaskSnapshot.model_fields)
# The reminders due, oldest first, with their task and whether their person is still a member;
# each batch's rows locked, and those another sweep holds skipped. ix_reminders_due (fire_at,
# id of those not fired) serves it.
_CLAIM: Final = (
    select(
        reminders.c.id.label("reminder_id"),
        reminders.c.user_id.label("reminder_user_id"),
        reminders.c.fire_at.label("reminder_fire_at"),
        reminders.c.offset_minutes.label("reminder_offset"),
        project_members.c.user_id.label("member_id"),
        *_SNAPSHOT_COLUMNS,
    )
    .join(tasks, tasks.c.id == reminders.c.task_id)
    .outerjoin(
        project_members,
        and_(
            project_members.c.project_id == tasks.c.project_id,
            project_members.c.user_id == reminders.c.user_id,
        ),
    )
    .where(
        reminders.c.fire_at <= bindparam("now", type_=UtcDateTime()),
        reminders.c.fired_at.is_(None),
    )
    .order_by(reminders.c.fire_at, reminders.c.id)
    .limit(bindparam("limit"))
    .with_for_update(of=reminders, skip_locked=True)
)


def fire_at(
    remind_at: datetime | None, offset_minutes: int | None, due_at: datetime | None
) -> datetime | None:
    """When a reminder fires: its instant, or its minutes before the due date (None: no due
    date, or one so early that no instant is that long before it)."""
    if remind_at is not None:
        return remind_at
    if offset_minutes is None or due_at is None:
        return None
    try:
        return due_at - timedelta(minutes=offset_minutes)
    except OverflowError:
        return None


async def list_reminders(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> RemindersPublic:
    """The caller's own reminders on a task they may read, soonest first."""
    async with reading(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        rows = await conn.execute(
            select(*_PUBLIC_COLUMNS)
            .where(reminders.c.task_id == task_id, reminders.c.user_id == user_id)
            .order_by(
                reminders.c.fire_at.is_(None),
                reminders.c.fire_at,
                reminders.c.created_at,
                reminders.c.id,
            )
        )
        return RemindersPublic(items=[ReminderPublic.model_validate(row) for row in rows])


async def add_reminder(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, data: ReminderCreate
) -> ReminderPublic:
    """A reminder of the caller's on a task they may read (viewers too)."""
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        # The task row locked: two adds at once count each other.
        due_at = await conn.scalar(
            select(tasks.c.due_at).where(tasks.c.id == task_id).with_for_update()
        )
        count = await conn.scalar(
            select(func.count())
            .select_from(reminders)
            .where(reminders.c.task_id == task_id, reminders.c.user_id == user_id)
        )
        if (count or 0) >= MAX_REMINDERS_PER_TASK:
            raise Conflict(
                f"you have {MAX_REMINDERS_PER_TASK} reminders on this task already, the most "
                "there may be; delete one first"
            )
        row = (
            await conn.execute(
                insert(reminders)
                .values(
                    id=uuid.uuid4(),
                    task_id=task_id,
                    user_id=user_id,
                    remind_at=data.remind_at,
                    offset_minutes=data.offset_minutes,
                    fire_at=fire_at(data.remind_at, data.offset_minutes, due_at),
                    created_at=utcnow(),
                )
                .returning(*_PUBLIC_COLUMNS)
            )
        ).one()
    return ReminderPublic.model_validate(row)


async def delete_reminder(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, reminder_id: uuid.UUID
) -> None:
    """Delete one of the caller's reminders; anyone else's is not found."""
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        deleted = await conn.execute(
            delete(reminders).where(
                reminders.c.id == reminder_id,
                reminders.c.task_id == task_id,
                reminders.c.user_id == user_id,
            )
        )
        if not deleted.rowcount:
            raise NotFound(NO_SUCH_REMINDER)


async def follow(
    conn: AsyncConnection, changes: list[tuple[TaskPublic | None, TaskPublic]]
) -> None:
    """Keep reminders in step with each (before, after) change of a task (before None: new):
    relative ones move with the due date; a new assignee gets their defaults."""
    for before, after in changes:
        if before is not None and before.due_at != after.due_at:
            await _move(conn, after)
    await _add_defaults(conn, [after for before, after in changes if _gets_defaults(before, after)])


async def carry_over(conn: AsyncConnection, source_id: uuid.UUID, task: TaskPublic) -> None:
    """Give `task` (the next occurrence of `source_id`) the relative reminders its members had
    on the source, fired when its due date says."""
    rows = (
        await conn.execute(
            select(reminders.c.user_id, reminders.c.offset_minutes)
            .join(
                project_members,
                and_(
                    project_members.c.project_id == task.project_id,
                    project_members.c.user_id == reminders.c.user_id,
                ),
            )
            .where(reminders.c.task_id == source_id, reminders.c.offset_minutes.is_not(None))
            .order_by(reminders.c.created_at, reminders.c.id)
        )
    ).all()
    await _insert(conn, task, [(row.user_id, row.offset_minutes) for row in rows])


def _gets_defaults(before: TaskPublic | None, after: TaskPublic) -> bool:
    """Whether the change gives the task an assignee who may have defaults to apply: it is
    newly assigned to them, or newly given a due date, and has one and the other now."""
    if after.assignee_id is None or after.due_at is None:
        return False
    return before is None or before.assignee_id != after.assignee_id or before.due_at is None


async def _move(conn: AsyncConnection, task: TaskPublic) -> None:
    """Relative reminders follow the due date; having moved, they may fire again."""
    offsets = (
        await conn.scalars(
            select(reminders.c.offset_minutes)
            .where(reminders.c.task_id == task.id, reminders.c.offset_minutes.is_not(None))
            .distinct()
        )
    ).all()
    for offset in offsets:
        await conn.execute(
            update(reminders)
            .where(reminders.c.task_id == task.id, reminders.c.offset_minutes == offset)
            .values(fire_at=fire_at(None, offset, task.due_at), fired_at=None)
        )


async def _add_defaults(conn: AsyncConnection, assigned: Sequence[TaskPublic]) -> None:
    if not assigned:
        return
    defaults = await default_reminders(conn, {t.assignee_id for t in assigned if t.assignee_id})
    for task in assigned:
        minutes = defaults.get(task.assignee_id) if task.assignee_id else None
        if not minutes or task.assignee_id is None:
            continue
        has_some = await conn.scalar(
            select(reminders.c.id)
            .where(reminders.c.task_id == task.id, reminders.c.user_id == task.assignee_id)
            .limit(1)
        )
        if has_some is None:
            await _insert(conn, task, [(task.assignee_id, m) for m in minutes])


async def _insert(
    conn: AsyncConnection, task: TaskPublic, relative: Iterable[tuple[uuid.UUID, int]]
) -> None:
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "task_id": task.id,
            "user_id": user_id,
            "remind_at": None,
            "offset_minutes": offset,
            "fire_at": fire_at(None, offset, task.due_at),
            "fired_at": None,
            "created_at": now,
        }
        for user_id, offset in relative
    ]
    if rows:
        await conn.execute(insert(reminders), rows)


def reminder_event_id(reminder_id: uuid.UUID, fire_at: datetime) -> str:
    """The same for the same reminder and instant: a reminder fires once per `fire_at`."""
    return instant_event_id(EVENT_ID_NAMESPACE, reminder_id, fire_at)


def reminder_event(row: Row[Any], now: datetime) -> CloudEvent:
    task = TaskSnapshot.model_validate(
        {name: getattr(row, name) for name in TaskSnapshot.model_fields}
    )
    return timed_event(
        types.TASK_REMINDER,
        TaskReminder(
            task=task,
            reminder_id=row.reminder_id,
            user_id=row.reminder_user_id,
            fire_at=row.reminder_fire_at,
            due_at=task.due_at,
            offset_minutes=row.reminder_offset,
        ),
        source=SOURCE,
        task_id=task.id,
        project_id=task.project_id,
        event_id=reminder_event_id(row.reminder_id, row.reminder_fire_at),
        # The sweep's clock: the notice says how long is left from then.
        time=now,
    )


async def emit_reminders(
    rt: Runtime, *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Fire every reminder due by `now` that has not fired: an event each (for an open task
    whose person is still a member), all marked fired; return how many events were new.
    One transaction per batch."""
    start = now or utcnow()
    emitted = 0
    while True:
        async with transaction(rt.engine) as conn:
            rows = (await conn.execute(_CLAIM, {"now": start, "limit": batch_size})).all()
            wanted = {
                reminder_event_id(row.reminder_id, row.reminder_fire_at): row
                for row in rows
                if row.status not in CLOSED and row.member_id is not None
            }
            known = await recorded(conn, wanted)
            new = [row for event_id, row in wanted.items() if event_id not in known]
            await record(conn, [reminder_event(row, start) for row in new])
            emitted += len(new)
            if rows:
                await conn.execute(
                    update(reminders)
                    .where(reminders.c.id.in_([row.reminder_id for row in rows]))
                    .values(fired_at=start)
                )
        if len(rows) < batch_size:
            return emitted
