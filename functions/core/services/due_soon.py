"""Due-soon: announce each open task once as its due date comes within the window.

A sweep (every few minutes, from a Knative PingSource or the local timer) writes a
`com.taskflow.task.due_soon` event for each open task due in (now, now + window]. The event's
id is derived from the task and its due instant, and the outbox skips ids it holds already:
a task is announced once per due date however often the sweep runs, and again if its due
date moves to another instant that comes within the window (services.timed_events, which
reminders share).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Final

from cloudevents.http import CloudEvent
from sqlalchemy import Select, bindparam, literal_column, select, tuple_

from events import types
from events.models import TaskDueSoon, TaskSnapshot
from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.outbox import record
from functions.core.runtime import Runtime
from functions.core.services.timed_events import instant_event_id, recorded, timed_event
from functions.core.tables import OPEN_TASK_SQL, UtcDateTime, tasks

SOURCE: Final = types.source_of("emit_due_soon")
# Fixed forever: changing it would announce every task in the window a second time.
EVENT_ID_NAMESPACE: Final = uuid.UUID("9a3f4c2e-5b7d-4e1a-8c6f-2d0b9e7a1c53")
BATCH_SIZE: Final = 500

_SNAPSHOT_COLUMNS: Final = tuple(tasks.c[name] for name in TaskSnapshot.model_fields)
_AFTER: Final = tuple_(tasks.c.due_at, tasks.c.id) > tuple_(
    bindparam("after_due", type_=UtcDateTime()), bindparam("after_id", type_=tasks.c.id.type)
)


def _batch(*, resuming: bool) -> Select[Any]:
    """Open tasks due in (now, until], in (due_at, id) order: the shape ix_tasks_open_due
    (on (due_at, id) of open tasks) serves, one keyset page at a time."""
    statement = select(*_SNAPSHOT_COLUMNS).where(
        tasks.c.due_at > bindparam("now", type_=UtcDateTime()),
        tasks.c.due_at <= bindparam("until", type_=UtcDateTime()),
        # Literal SQL, the index's own predicate: with the statuses as bound parameters a
        # generic plan (psycopg prepares a statement after a few runs) cannot use the index.
        literal_column(OPEN_TASK_SQL),
    )
    if resuming:
        statement = statement.where(_AFTER)
    return statement.order_by(tasks.c.due_at, tasks.c.id).limit(bindparam("limit"))


_FIRST: Final = _batch(resuming=False)
_NEXT: Final = _batch(resuming=True)


def due_soon_event_id(task_id: uuid.UUID, due_at: datetime) -> str:
    """The same for the same task and due instant, whatever the time zone it is written in."""
    return instant_event_id(EVENT_ID_NAMESPACE, task_id, due_at)


def due_soon_event(task: TaskSnapshot, due_at: datetime) -> CloudEvent:
    return timed_event(
        types.TASK_DUE_SOON,
        TaskDueSoon(task=task, due_at=due_at),
        source=SOURCE,
        task_id=task.id,
        project_id=task.project_id,
        event_id=due_soon_event_id(task.id, due_at),
    )


async def emit_due_soon(
    rt: Runtime,
    *,
    window: timedelta | None = None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Write a due-soon event for each open task due within `window` (the settings' unless
    given) of `now` that has not had one for its due date; return how many were new.
    One transaction per batch."""
    start = now or utcnow()
    if window is None:
        window = timedelta(hours=rt.settings.due_soon_window_hours)
    values: dict[str, Any] = {"now": start, "until": start + window, "limit": batch_size}
    emitted = 0
    statement = _FIRST
    while True:
        async with transaction(rt.engine) as conn:
            rows = (await conn.execute(statement, values)).all()
            ids = {due_soon_event_id(row.id, row.due_at): row for row in rows}
            # record() would skip known ids too; leaving them out spares building their
            # events and waking the relay each sweep, and gives an exact count.
            known = await recorded(conn, ids)
            new = [row for event_id, row in ids.items() if event_id not in known]
            await record(
                conn,
                [
                    due_soon_event(TaskSnapshot.model_validate(dict(row._mapping)), row.due_at)
                    for row in new
                ],
            )
            emitted += len(new)
        if len(rows) < batch_size:
            return emitted
        values["after_due"], values["after_id"] = rows[-1].due_at, rows[-1].id
        statement = _NEXT
