"""Who follows a task, and so is told what happens to it.

A task's watchers are its creator and its assignee, everyone who commented on it or was
mentioned in it, and anyone who chose to watch it; minus whoever chose not to (an `unwatch`
row wins over every other reason until they watch again, or are mentioned again). Only the
project's current members count: someone who left hears nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any, Final, Literal

from sqlalchemy import Insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.models.tasks import WatcherPublic, WatchersPublic, WatchReason
from functions.core.runtime import Runtime
from functions.core.services import calendar
from functions.core.services.task_reads import get_task_in, visible_task_project
from functions.core.tables import project_members, task_watchers, users

# Why a row says someone follows a task (or, `unwatch`, that they chose not to).
RowReason = Literal["watch", "comment", "mention", "unwatch"]
# The reason a list shows when several apply: the first of these that does.
_SHOWN_FIRST: Final[tuple[WatchReason, ...]] = ("assignee", "creator")


async def watcher_ids(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    project_id: uuid.UUID,
    creator_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
) -> list[uuid.UUID]:
    """The task's watchers now (current members only), given who created it and holds it."""
    return list(await _reasons(conn, task_id, project_id, creator_id, assignee_id))


async def _reasons(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    project_id: uuid.UUID,
    creator_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
) -> dict[uuid.UUID, WatchReason]:
    rows = (
        await conn.execute(
            select(task_watchers.c.user_id, task_watchers.c.watching, task_watchers.c.reason).where(
                task_watchers.c.task_id == task_id
            )
        )
    ).all()
    opted_out = {row.user_id for row in rows if not row.watching}
    reasons: dict[uuid.UUID, WatchReason] = {}
    implicit: list[tuple[uuid.UUID | None, WatchReason]] = [
        (assignee_id, "assignee"),
        (creator_id, "creator"),
    ]
    for user_id, reason in implicit:
        if user_id is not None and user_id not in opted_out:
            reasons.setdefault(user_id, reason)
    for row in rows:
        if row.watching and row.reason != "unwatch":
            reasons.setdefault(row.user_id, row.reason)
    if not reasons:
        return reasons
    members = set(
        (
            await conn.scalars(
                select(project_members.c.user_id).where(
                    project_members.c.project_id == project_id,
                    project_members.c.user_id.in_(list(reasons)),
                )
            )
        ).all()
    )
    return {user_id: reason for user_id, reason in reasons.items() if user_id in members}


async def list_watchers(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> WatchersPublic:
    """A task's watchers, with why each follows it (anyone who may read the task)."""
    async with reading(rt.engine) as conn:
        return await _watchers_public(conn, user_id, task_id)


async def watch(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> WatchersPublic:
    """The caller follows the task from now on (any member, viewers too)."""
    return await _choose(rt, user_id, task_id, watching=True)


async def unwatch(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> WatchersPublic:
    """The caller stops following the task, whatever made them a watcher, until they watch it
    again or someone mentions them in it."""
    return await _choose(rt, user_id, task_id, watching=False)


async def _choose(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, *, watching: bool
) -> WatchersPublic:
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        reason: RowReason = "watch" if watching else "unwatch"
        values = {"watching": watching, "reason": reason, "updated_at": utcnow()}
        # The choice replaces whatever the row said.
        await _write(conn, task_id, [user_id], values, replace=True)
        chosen = await _watchers_public(conn, user_id, task_id)
    # Once committed: their calendar feed gains or loses the task.
    await calendar.forget(rt, [user_id])
    return chosen


async def add_watchers(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    user_ids: Iterable[uuid.UUID],
    reason: Literal["comment", "mention"],
) -> None:
    """Make these people watchers for `reason`, in the caller's transaction.

    A comment never overrides a choice (watching or not); a mention makes its people watch
    again even if they had stopped (someone asked for their attention), and keeps the reason
    of those who already watch.
    """
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    values = {"watching": True, "reason": reason, "updated_at": utcnow()}
    if reason == "comment":
        await _write(conn, task_id, ids, values, replace=False)
        return
    rows = (
        await conn.execute(
            select(task_watchers.c.user_id).where(
                task_watchers.c.task_id == task_id,
                task_watchers.c.user_id.in_(ids),
                task_watchers.c.watching,
            )
        )
    ).all()
    watching = {row.user_id for row in rows}
    await _write(conn, task_id, [i for i in ids if i not in watching], values, replace=True)


async def _write(
    conn: AsyncConnection,
    task_id: uuid.UUID,
    user_ids: Collection[uuid.UUID],
    values: dict[str, Any],
    *,
    replace: bool,
) -> None:
    """Insert a row per person; where one exists, replace it (`replace`) or leave it."""
    if not user_ids:
        return
    statement = _upsert(conn).values(
        [{"task_id": task_id, "user_id": u, **values} for u in user_ids]
    )
    keys = ["task_id", "user_id"]
    if replace:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=values)  # type: ignore[attr-defined]
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)  # type: ignore[attr-defined]
    await conn.execute(statement)


def _upsert(conn: AsyncConnection) -> Insert:
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    return insert(task_watchers)


async def _watchers_public(
    conn: AsyncConnection, user_id: uuid.UUID, task_id: uuid.UUID
) -> WatchersPublic:
    task = await get_task_in(conn, user_id, task_id)  # 404 unless the caller may read it
    reasons = await _reasons(conn, task.id, task.project_id, task.creator_id, task.assignee_id)
    names: dict[uuid.UUID, str] = {}
    if reasons:
        rows = (
            await conn.execute(
                select(users.c.id, users.c.display_name).where(users.c.id.in_(list(reasons)))
            )
        ).all()
        names = {row.id: row.display_name for row in rows}
    items = [
        WatcherPublic(user_id=watcher, display_name=names[watcher], reason=reason)
        for watcher, reason in reasons.items()
        if watcher in names
    ]
    items.sort(key=lambda w: (w.reason not in _SHOWN_FIRST, w.display_name.lower(), w.user_id))
    return WatchersPublic(watching=user_id in reasons, items=items)
