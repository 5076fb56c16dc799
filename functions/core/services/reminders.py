"""Reminders: each person's, on a task; when they fire, and the defaults they start with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.models.tasks import TaskPublic


async def follow(
    conn: AsyncConnection, changes: list[tuple[TaskPublic | None, TaskPublic]]
) -> None:
    """Keep reminders in step with each (before, after) change of a task (before None: new)."""
    return None  # CONTRACT: helper C implements
