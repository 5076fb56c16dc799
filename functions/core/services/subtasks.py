"""Subtasks: which task may be another's parent (same project, depth limited, no cycles)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection


async def check_parent(
    conn: AsyncConnection,
    project_id: uuid.UUID,
    parent_id: uuid.UUID,
    *,
    task_id: uuid.UUID | None = None,
) -> None:
    """A 422 naming `parent_id` unless it may be the parent of `task_id` (None: a new task)."""
    raise NotImplementedError  # CONTRACT: helper A implements
