"""Reading tasks: one, a page of a list, the counts; and the visibility check others build on."""

from __future__ import annotations

import uuid
from typing import Final, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.vocabulary import Priority, Role, Status
from functions.core.clock import utcnow
from functions.core.database import reading
from functions.core.errors import NotFound
from functions.core.models.tasks import (
    TaskListQuery,
    TaskPublic,
    TasksPublic,
    TaskStats,
    TaskStatsQuery,
)
from functions.core.queries.task_rows import task_from_row, tasks_from_rows
from functions.core.queries.tasks import (
    TASK_BY_ID,
    cursor_after,
    list_statement,
    stats_statement,
)
from functions.core.runtime import Runtime
from functions.core.services.access import require_role
from functions.core.tables import tasks

NO_SUCH_TASK: Final = "no such task"


async def list_tasks(rt: Runtime, user_id: uuid.UUID, query: TaskListQuery) -> TasksPublic:
    """One page of the tasks the user may see, filtered and sorted, with the next page's cursor."""
    async with reading(rt.engine) as conn:
        if query.project_id is not None:
            await require_role(conn, query.project_id, user_id)
        if query.parent_id is not None:
            await visible_task_project(conn, user_id, query.parent_id)
        statement, values = list_statement(user_id, query, dialect=conn.dialect.name, now=utcnow())
        rows = (await conn.execute(statement, values)).all()
    items = tasks_from_rows(rows[: query.limit])
    next_cursor = cursor_after(query.sort, items[-1]) if len(rows) > query.limit else None
    return TasksPublic(items=items, next_cursor=next_cursor)


async def task_stats(rt: Runtime, user_id: uuid.UUID, query: TaskStatsQuery) -> TaskStats:
    """Counts by status and by priority, and how many are overdue (see stats_statement)."""
    async with reading(rt.engine) as conn:
        if query.project_id is not None:
            await require_role(conn, query.project_id, user_id)
        rows = (await conn.execute(stats_statement(user_id, query.project_id, utcnow()))).all()
    by_status: dict[Status, int] = dict.fromkeys(get_args(Status), 0)
    by_priority: dict[Priority, int] = dict.fromkeys(get_args(Priority), 0)
    total = overdue_total = 0
    for status, priority, count, overdue_count in rows:
        by_status[status] += count
        by_priority[priority] += count
        total += count
        overdue_total = overdue_count  # the same on every row
    return TaskStats(
        total=total, by_status=by_status, by_priority=by_priority, overdue=overdue_total
    )


async def get_task(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> TaskPublic:
    """One task the user may see; any other is not found."""
    async with reading(rt.engine) as conn:
        return await get_task_in(conn, user_id, task_id)


async def get_task_in(conn: AsyncConnection, user_id: uuid.UUID, task_id: uuid.UUID) -> TaskPublic:
    """As `get_task`, inside the caller's transaction."""
    row = (await conn.execute(TASK_BY_ID, {"task_id": task_id, "user_id": user_id})).first()
    if row is None:
        raise NotFound(NO_SUCH_TASK)
    return task_from_row(row)


async def visible_task_project(
    conn: AsyncConnection, user_id: uuid.UUID, task_id: uuid.UUID, at_least: Role = "viewer"
) -> uuid.UUID:
    """The task's project, if the user has `at_least` that role in it (404 if not a member)."""
    project_id: uuid.UUID | None = await conn.scalar(
        select(tasks.c.project_id).where(tasks.c.id == task_id)
    )
    if project_id is None:
        raise NotFound(NO_SUCH_TASK)
    await require_role(conn, project_id, user_id, at_least, what="task")
    return project_id
