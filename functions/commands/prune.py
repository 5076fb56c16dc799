"""`taskflow prune`: delete expired sign-in sessions and events published long ago."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from functions.commands.configuration import load_settings

if TYPE_CHECKING:
    from functions.core.settings import Settings


def run(args: argparse.Namespace) -> None:
    settings = load_settings()
    sessions, events = asyncio.run(prune(settings))
    print(
        f"deleted {sessions} expired refresh tokens and {events} events published more "
        f"than {settings.outbox_retention_hours} hours ago"
    )


async def prune(settings: Settings) -> tuple[int, int]:
    """Delete expired refresh tokens and published events past their retention."""
    from datetime import timedelta

    from functions.core.clock import utcnow
    from functions.core.database import transaction
    from functions.core.outbox import prune_published
    from functions.core.runtime import Runtime
    from functions.core.services.accounts import prune_sessions

    rt = Runtime(settings)
    retained = utcnow() - timedelta(hours=settings.outbox_retention_hours)
    try:
        async with transaction(rt.engine) as conn:
            return await prune_sessions(conn), await prune_published(conn, retained)
    finally:
        await rt.close()
