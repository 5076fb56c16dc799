"""Subtasks: which task may be another's parent (same project, depth limited, no cycles), and
a task's whole subtree (deleting a task deletes it).

A task, its subtasks and theirs: at most MAX_DEPTH levels. Changes to a project's tree
(a new subtask, a task moved under another, a task deleted with its subtree) take the
project's structure lock first, so two of them cannot each pass their checks and together
make a cycle, a tree too deep, or a subtask of a task being deleted.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import CTE, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.errors import InvalidInput
from functions.core.tables import tasks

MAX_DEPTH: Final = 3
# No tree is deeper than MAX_DEPTH; the walks stop here too, whatever the rows say.
_WALK_LIMIT: Final = 32


async def lock_structure(conn: AsyncConnection, project_id: uuid.UUID) -> None:
    """Hold the project's structure lock until the transaction ends (PostgreSQL; SQLite runs
    one writer at a time)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"taskflow.subtasks:{project_id}"},
        )


async def check_parent(
    conn: AsyncConnection,
    project_id: uuid.UUID,
    parent_id: uuid.UUID,
    *,
    task_id: uuid.UUID | None = None,
) -> None:
    """A 422 naming `parent_id` unless it may be the parent of `task_id` (None: a new task).

    The parent must be a task of `project_id` (the caller may write there, so read it), not
    the task itself or one of its subtasks, and the task with its own subtasks must fit below
    it within MAX_DEPTH levels. Takes the project's structure lock.
    """
    await lock_structure(conn, project_id)
    chain = await _ancestors(conn, parent_id)  # the parent first, then its parent, ...
    if not chain or chain[0][1] != project_id:
        raise _refusal("no such task in this project", "not a task of the same project", "parent")
    if task_id is not None and any(ancestor == task_id for ancestor, _ in chain):
        raise _refusal(
            "a task cannot be a subtask of itself or of one of its subtasks",
            "would make a cycle",
            "cycle",
        )
    height = 1 if task_id is None else await _height(conn, task_id)
    if len(chain) + height > MAX_DEPTH:
        raise _refusal(
            f"subtasks nest at most {MAX_DEPTH} levels deep (a task, its subtasks, theirs)",
            f"more than {MAX_DEPTH} levels deep",
            "depth",
        )


async def locked_subtree(
    conn: AsyncConnection, project_id: uuid.UUID, task_id: uuid.UUID
) -> list[uuid.UUID]:
    """The task and every task below it, each level before the next, locked (FOR UPDATE)
    until the transaction ends; empty if the task is gone. Takes the structure lock.

    Locked from the deepest level up: a change to a subtask locks it, then (its counts) its
    parent, so this order waits for it instead of deadlocking with it. Read again once locked:
    a subtask detached or added just before is then seen as it is.
    """
    await lock_structure(conn, project_id)
    locked: set[uuid.UUID] = set()
    while True:
        levels = await _levels(conn, task_id)
        found = [each for level in levels for each in level]
        if locked.issuperset(found):
            return found
        for level in reversed(levels):
            await conn.execute(
                select(tasks.c.id)
                .where(tasks.c.id.in_(level))
                .order_by(tasks.c.id)
                .with_for_update()
            )
        locked.update(found)


async def _levels(conn: AsyncConnection, task_id: uuid.UUID) -> list[list[uuid.UUID]]:
    """The task's subtree level by level: [[the task], [its subtasks], [theirs], ...]."""
    below = _below(task_id, _WALK_LIMIT)
    levels: dict[int, list[uuid.UUID]] = {}
    rows = await conn.execute(select(below.c.id, below.c.depth).order_by(below.c.depth, below.c.id))
    for each, depth in rows:
        levels.setdefault(depth, []).append(each)
    return list(levels.values())


def _below(task_id: uuid.UUID, deepest: int) -> CTE:
    """(id, depth) of the task (depth 1) and the tasks below it, to `deepest` levels."""
    below = (
        select(tasks.c.id, literal(1).label("depth"))
        .where(tasks.c.id == task_id)
        .cte("below", recursive=True)
    )
    child = tasks.alias("child")
    return below.union_all(
        select(child.c.id, below.c.depth + 1).where(
            child.c.parent_id == below.c.id, below.c.depth < deepest
        )
    )


async def _ancestors(
    conn: AsyncConnection, parent_id: uuid.UUID
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(id, project_id) of the task and its ancestors, up to the root (or one past
    MAX_DEPTH levels: more is too deep whatever else is true)."""
    chain = (
        select(tasks.c.id, tasks.c.parent_id, tasks.c.project_id, literal(1).label("level"))
        .where(tasks.c.id == parent_id)
        .cte("chain", recursive=True)
    )
    up = tasks.alias("up")
    chain = chain.union_all(
        select(up.c.id, up.c.parent_id, up.c.project_id, chain.c.level + 1).where(
            up.c.id == chain.c.parent_id, chain.c.level <= MAX_DEPTH
        )
    )
    rows = await conn.execute(select(chain.c.id, chain.c.project_id).order_by(chain.c.level))
    return [(row.id, row.project_id) for row in rows]


async def _height(conn: AsyncConnection, task_id: uuid.UUID) -> int:
    """The levels of the task's subtree: 1 without subtasks (counted to one past MAX_DEPTH)."""
    below = _below(task_id, MAX_DEPTH + 1)
    height: int | None = await conn.scalar(select(func.max(below.c.depth)))
    return height or 1


def _refusal(detail: str, msg: str, kind: str) -> InvalidInput:
    error: dict[str, Any] = {"loc": ["parent_id"], "msg": msg, "type": kind}
    return InvalidInput(detail, errors=[error])
