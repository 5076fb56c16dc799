"""What the e-mail tests share: a mailer that keeps what it is given, a clean queue, events
about one task, and the flush a minute or so later."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cloudevents.http import CloudEvent
from httpx import AsyncClient
from pydantic import BaseModel
from sqlalchemy import select, update

from events import types
from events.codec import new_event
from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.runtime import Runtime
from functions.core.services import mail
from functions.core.tables import email_groups, users
from tests.support import User


@dataclass
class Outbox:
    """A Mailer that keeps every mail (after `delay` seconds), or refuses with `error`."""

    sent: list[mail.Mail] = field(default_factory=list)
    delay: float = 0.0
    error: Exception | None = None

    async def send(self, message: mail.Mail) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        self.sent.append(message)

    def to(self, user: User) -> list[mail.Mail]:
        return [m for m in self.sent if f"<{user.email}>" in m.to]


async def mark_verified(user: User) -> None:
    """As if `user` had followed the link mailed to their address (tests of e-mail
    notices are not about verification, which has tests of its own)."""
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            update(users).where(users.c.id == user.id).values(email_verified_at=utcnow())
        )


async def choose_email(
    api: AsyncClient, user: User, muted: tuple[str, ...] = (), time_zone: str | None = None
) -> None:
    """`user` turns e-mail on (with a verified address: only those receive any)."""
    await mark_verified(user)
    response = await api.put(
        "/api/notifications/preferences",
        json={"email_enabled": True, "email_kinds": dict.fromkeys(muted, False)},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    if time_zone is not None:
        response = await api.patch(
            "/api/auth/me", json={"time_zone": time_zone}, headers=user.headers
        )
        assert response.status_code == 200, response.text


async def settle_pending(rt: Runtime) -> None:
    """Leave no group of an earlier test waiting (the database is the whole run's)."""
    async with rt.engine.begin() as conn:
        await conn.execute(
            update(email_groups)
            .where(email_groups.c.settled_at.is_(None))
            .values(settled_at=utcnow(), outcome=mail.SKIPPED)
        )


def later(seconds: float = 0) -> datetime:
    """A moment past the grouping window (plus `seconds`)."""
    return utcnow() + timedelta(seconds=121 + seconds)


async def flush(rt: Runtime, mailer: Any, seconds: float = 0) -> mail.FlushReport:
    """A flush once the window has passed."""
    return await mail.flush_emails(rt, mailer, now=later(seconds))


async def groups_of(rt: Runtime, user: User) -> list[dict[str, Any]]:
    async with rt.engine.connect() as conn:
        rows = await conn.execute(
            select(email_groups)
            .where(email_groups.c.user_id == user.id)
            .order_by(email_groups.c.opened_at)
        )
    return [dict(row._mapping) for row in rows]


def task_event(
    event_type: str, data: BaseModel, project_id: uuid.UUID, actor: User, time: datetime
) -> CloudEvent:
    task = getattr(data, "task")  # noqa: B009
    event = new_event(
        event_type,
        data,
        source=types.source_of("tasks"),
        subject=str(task.id),
        project_id=project_id,
        actor_id=actor.id,
    )
    event["time"] = time.isoformat()
    return event
