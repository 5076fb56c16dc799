"""`taskflow prune`: delete expired sign-in sessions, and events published and e-mails settled
long ago."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from functions.commands.configuration import load_settings

if TYPE_CHECKING:
    from functions.core.settings import Settings


def run(args: argparse.Namespace) -> None:
    settings = load_settings()
    sessions, events, emails = asyncio.run(prune(settings))
    print(
        f"deleted {sessions} expired refresh tokens, and {events} events published and "
        f"{emails} e-mail groups settled more than {settings.outbox_retention_hours} hours ago"
    )


async def prune(settings: Settings) -> tuple[int, int, int]:
    """Delete expired refresh tokens, and published events and settled e-mail groups past
    their retention."""
    from functions.core.runtime import Runtime
    from functions.core.services import maintenance

    rt = Runtime(settings)
    try:
        return await maintenance.prune(rt)
    finally:
        await rt.close()
