"""Housekeeping a timer runs (`taskflow prune`): what has expired goes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.outbox import prune_published
from functions.core.services.accounts import prune_sessions
from functions.core.tables import email_groups

if TYPE_CHECKING:
    from functions.core.runtime import Runtime


async def prune(rt: Runtime, now: datetime | None = None) -> tuple[int, int, int]:
    """Delete expired refresh tokens, and events published and e-mail groups settled longer
    ago than the outbox's retention; how many of each went."""
    retained = (now or utcnow()) - timedelta(hours=rt.settings.outbox_retention_hours)
    async with transaction(rt.engine) as conn:
        sessions = await prune_sessions(conn)
        events = await prune_published(conn, retained)
        settled = await conn.execute(
            delete(email_groups).where(email_groups.c.settled_at < retained)
        )
        return sessions, events, settled.rowcount
