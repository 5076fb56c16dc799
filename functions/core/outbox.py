"""The transactional outbox: events are rows written in the transaction that causes them.

A service calls `record(conn, [build(...)])` beside its own INSERT/UPDATE; the relay
publishes the rows after commit. On PostgreSQL the write also NOTIFYs the relay (delivered
only at commit); in the embedded mode a commit hook wakes the in-process relay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events import types
from events.codec import new_event
from functions.core.clock import utcnow
from functions.core.observability import current_function, current_trace
from functions.core.tables import outbox

# Attributes kept in their own columns; the rest go in `headers`.
_COLUMNS: Final = {"id": "event_id", "type": "event_type", "source": "source", "subject": "subject"}
_UNKNOWN_FUNCTION: Final = "unknown"

_local_wakers: list[Callable[[], None]] = []


def build(
    event_type: str,
    data: BaseModel,
    *,
    subject: uuid.UUID,
    project_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    """An event from the function now serving, in the trace of the request that caused it."""
    trace = current_trace.get()
    return new_event(
        event_type,
        data,
        source=types.source_of(current_function.get() or _UNKNOWN_FUNCTION),
        subject=str(subject),
        project_id=project_id,
        actor_id=actor_id,
        traceparent=trace.traceparent if trace else None,
        event_id=event_id,
    )


async def record(conn: AsyncConnection, events: Iterable[CloudEvent]) -> int:
    """Write `events` in the caller's transaction; return how many were new.

    An event whose id is in the outbox already is skipped, so a deterministic id (due-soon
    uses one) makes emitting it again harmless.
    """
    rows = [to_row(e) for e in events]
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        written = await conn.execute(
            pg_insert(outbox)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(outbox.c.id)
        )
        await conn.execute(select(func.pg_notify(types.OUTBOX_CHANNEL, "")))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        written = await conn.execute(
            sqlite_insert(outbox)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(outbox.c.id)
        )
        if _local_wakers:
            sa_event.listen(conn.sync_connection, "commit", _wake_local, once=True)
    return len(written.all())


async def unpublish(engine: AsyncEngine, event_ids: Sequence[str]) -> None:
    """Mark events unpublished again, for the relay to publish once more (the embedded broker
    hands back what it had not delivered when it stopped)."""
    async with engine.begin() as conn:
        await conn.execute(
            update(outbox).where(outbox.c.event_id.in_(event_ids)).values(published_at=None)
        )


async def prune_published(conn: AsyncConnection, older_than: datetime) -> int:
    """Delete rows published before `older_than`; the number deleted. Unpublished rows stay,
    however old: they are events still on their way."""
    deleted = await conn.execute(
        delete(outbox).where(outbox.c.published_at.is_not(None), outbox.c.published_at < older_than)
    )
    return int(deleted.rowcount or 0)


def to_row(event: CloudEvent) -> dict[str, Any]:
    attributes = event.get_attributes()
    row: dict[str, Any] = {column: attributes.get(name) for name, column in _COLUMNS.items()}
    row["headers"] = {k: v for k, v in attributes.items() if k not in _COLUMNS}
    row["payload"] = event.get_data()
    row["created_at"] = utcnow()
    return row


def from_row(row: Mapping[str, Any]) -> CloudEvent:
    attributes = {name: row[column] for name, column in _COLUMNS.items() if row[column]}
    attributes.update(row["headers"])
    return CloudEvent(attributes, row["payload"])


def wake_on_local_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each embedded-mode commit that wrote events; returns an undo."""
    _local_wakers.append(callback)
    return lambda: _local_wakers.remove(callback)


def _wake_local(_connection: Any) -> None:
    for wake in list(_local_wakers):
        wake()
