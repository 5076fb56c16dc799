"""Recurring tasks: RFC 5545 RRULEs, and the next occurrence a completion creates, once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.models.tasks import TaskPublic


def checked(values: dict[str, Any], before: TaskPublic | None) -> dict[str, Any]:
    """`values` (column values about to be written; `before`: the task as it is, None for a new
    one) with the rule normalised and its basis set, or a 422 naming the field."""
    return values  # CONTRACT: helper C implements


async def follow(
    conn: AsyncConnection, actor_id: uuid.UUID, changes: list[tuple[TaskPublic, TaskPublic]]
) -> list[TaskPublic]:
    """The `after` of each (before, after), with the next occurrence created for each recurring
    task this change completed (and `next_occurrence_id` set on it)."""
    return [after for _, after in changes]  # CONTRACT: helper C implements
