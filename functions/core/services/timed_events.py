"""Events that time causes (a due date coming near, a reminder coming due), written by sweeps.

A sweep may run twice at once, or again after a crash: each event's id is derived from what it
is about and the instant it is for, and the outbox keeps one event per id, so a repeated sweep
writes nothing new. `recorded` tells which ids the outbox holds already, so a sweep builds and
counts only the new ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime

from cloudevents.http import CloudEvent
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.codec import new_event
from functions.core.observability import current_trace
from functions.core.tables import outbox


def instant_event_id(namespace: uuid.UUID, subject_id: uuid.UUID, instant: datetime) -> str:
    """The same for the same thing and instant, whatever the time zone it is written in."""
    moment = instant.astimezone(UTC).isoformat(timespec="microseconds")
    return str(uuid.uuid5(namespace, f"{subject_id}/{moment}"))


def timed_event(
    event_type: str,
    data: BaseModel,
    *,
    source: str,
    task_id: uuid.UUID,
    project_id: uuid.UUID,
    event_id: str,
    time: datetime | None = None,
) -> CloudEvent:
    """An event about a task with no actor: nobody did anything, time passed (`time`: the
    sweep's now, when it says)."""
    trace = current_trace.get()
    return new_event(
        event_type,
        data,
        source=source,
        subject=str(task_id),
        project_id=project_id,
        traceparent=trace.traceparent if trace else None,
        event_id=event_id,
        time=time,
    )


async def recorded(conn: AsyncConnection, event_ids: Collection[str]) -> set[str]:
    """Which of these events the outbox holds already (looked up by its unique index)."""
    if not event_ids:
        return set()
    found = await conn.execute(
        select(outbox.c.event_id).where(outbox.c.event_id.in_(list(event_ids)))
    )
    return set(found.scalars())
