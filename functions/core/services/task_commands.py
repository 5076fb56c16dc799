"""Changing tasks: create, update, delete and bulk-update them, each change with its events.

Each entry point is one transaction: the rows and the events they cause commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Any

from cloudevents.http import CloudEvent
from sqlalchemy import and_, case, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from functions.core.clock import utcnow
from functions.core.database import transaction
from functions.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from functions.core.models.tasks import TaskBulkUpdate, TaskCreate, TaskPublic, TaskUpdate
from functions.core.queries.task_rows import TASK_COLUMNS, task_from_row, tasks_from_rows
from functions.core.runtime import Runtime
from functions.core.services import recurrence, reminders, subtasks, task_events, watchers
from functions.core.services.access import RANK, require_role
from functions.core.services.mentions import newly_mentioned
from functions.core.services.task_reads import NO_SUCH_TASK, get_task_in, visible_task_project
from functions.core.tables import UtcDateTime, project_members, tasks, users
from functions.core.time_zones import zone


async def create_task(rt: Runtime, user_id: uuid.UUID, data: TaskCreate) -> TaskPublic:
    """A new task (version 1) created by the user, an editor or owner of its project."""
    async with transaction(rt.engine) as conn:
        task, _ = await create_task_in(conn, user_id, data)
    return task


async def create_task_in(
    conn: AsyncConnection, user_id: uuid.UUID, data: TaskCreate
) -> tuple[TaskPublic, list[CloudEvent]]:
    """As `create_task`, inside the caller's transaction; with the events it wrote to the
    outbox (`created` first)."""
    task, mentioned = await insert_task(conn, user_id, data)
    return task, await task_events.task_created(conn, user_id, task, mentioned)


async def insert_task(
    conn: AsyncConnection,
    user_id: uuid.UUID,
    data: TaskCreate,
    *,
    completed_at: datetime | None = None,
) -> tuple[TaskPublic, list[uuid.UUID]]:
    """The task's row, its watchers and reminders, without its events (an import writes
    thousands at once); with the members its description mentions. A done task counts as
    completed at `completed_at` (default: now)."""
    await require_role(conn, data.project_id, user_id, "editor")
    if data.assignee_id is not None:
        await require_assignable(conn, [data.project_id], data.assignee_id)
    if data.parent_id is not None:
        await subtasks.check_parent(conn, data.project_id, data.parent_id)
    values = recurrence.checked(await _with_due_date(conn, user_id, data.model_dump()), None)
    now = utcnow()
    row = (
        await conn.execute(
            insert(tasks)
            .values(
                id=uuid.uuid4(),
                **values,
                creator_id=user_id,
                created_at=now,
                updated_at=now,
                completed_at=(completed_at or now) if data.status == "done" else None,
                version=1,
            )
            .returning(*TASK_COLUMNS)
        )
    ).one()
    task = task_from_row(row)
    # Whoever the description mentions follows the task, and is told.
    mentioned = await newly_mentioned(conn, task.project_id, task.description, author_id=user_id)
    await watchers.add_watchers(conn, task.id, mentioned, "mention")
    await reminders.follow(conn, [(None, task)])
    return task, mentioned


async def update_task(
    rt: Runtime,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    changes: TaskUpdate,
    *,
    if_match: Collection[int] | None = None,
) -> TaskPublic:
    """Change only the fields sent, in one UPDATE conditional on the version expected.

    `if_match` (the versions an If-Match header accepts) failing is a 412; `changes.version`
    failing is a 409; with neither, the write is unconditional. Nothing to change (an empty
    merge patch) changes nothing, not even the version: the task as it is, versions checked.
    """
    async with transaction(rt.engine) as conn:
        project_id = await visible_task_project(conn, user_id, task_id, "editor")
        values = {name: getattr(changes, name) for name in changes.model_fields_set - {"version"}}
        if not values:
            unchanged = await get_task_in(conn, user_id, task_id)
            version = unchanged.version
            if (if_match is not None and version not in if_match) or changes.version not in (
                None,
                version,
            ):
                raise _version_refusal(version, if_match)
            return unchanged
        if values.get("assignee_id") is not None:
            await require_assignable(conn, [project_id], values["assignee_id"])
        if values.get("parent_id") is not None:
            await subtasks.check_parent(conn, project_id, values["parent_id"], task_id=task_id)
        values = await _with_due_date(conn, user_id, values)
        # Locked as it stands, so the events describe exactly this change.
        before = await _locked_task(conn, task_id)
        values = recurrence.checked(values, before)
        statement = update(tasks).where(tasks.c.id == task_id)
        if if_match is not None:
            statement = statement.where(tasks.c.version.in_(if_match))
        if changes.version is not None:
            statement = statement.where(tasks.c.version == changes.version)
        row = (
            await conn.execute(
                statement.values(_changes(values, utcnow())).returning(*TASK_COLUMNS)
            )
        ).first()
        if row is None:
            current = await conn.scalar(select(tasks.c.version).where(tasks.c.id == task_id))
            if current is None:
                raise NotFound(NO_SUCH_TASK)
            raise _version_refusal(current, if_match)
        after = task_from_row(row)
        if before is not None:
            # Completing a recurring task creates its next occurrence, once.
            [after] = await recurrence.follow(conn, user_id, [(before, after)])
            await reminders.follow(conn, [(before, after)])
            # Only the people the new description mentions that the old one did not.
            mentioned = await newly_mentioned(
                conn,
                project_id,
                after.description if after.description != before.description else None,
                before=before.description,
                author_id=user_id,
            )
            await watchers.add_watchers(conn, task_id, mentioned, "mention")
            await task_events.tasks_changed(conn, user_id, [(before, after)], {after.id: mentioned})
    return after


def _version_refusal(current: int, if_match: Collection[int] | None) -> DomainError:
    """If-Match not met is a 412; otherwise the body's `version` was not, a 409."""
    if if_match is not None and current not in if_match:
        return PreconditionFailed(
            f"the task is at version {current}; read it again", current_version=current
        )
    return Conflict(
        f"the task changed meanwhile and is at version {current}", current_version=current
    )


async def delete_task(rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID) -> None:
    """Delete a task (editors and owners) with its subtasks, the whole subtree; their
    comments, relations, attachments and reminders go with them. Each task deleted has its
    own `task.deleted` event, naming its own watchers."""
    async with transaction(rt.engine) as conn:
        project_id = await visible_task_project(conn, user_id, task_id, "editor")
        subtree = await subtasks.locked_subtree(conn, project_id, task_id)
        if not subtree:
            return
        rows = (await conn.execute(select(*TASK_COLUMNS).where(tasks.c.id.in_(subtree)))).all()
        doomed = {task.id: task for task in tasks_from_rows(rows)}
        # Who to tell, read before the rows that say it go with the tasks.
        following = {
            task.id: await watchers.watcher_ids(
                conn, task.id, project_id, task.creator_id, task.assignee_id
            )
            for task in doomed.values()
        }
        # Locked, every one of them goes: named here, or by the cascade from its parent.
        await conn.execute(delete(tasks).where(tasks.c.id.in_(subtree)))
        # The task first, then each level of its subtree.
        for each in subtree:
            await task_events.task_deleted(conn, user_id, doomed[each], following[each])


async def bulk_update_tasks(
    rt: Runtime, user_id: uuid.UUID, request: TaskBulkUpdate
) -> list[TaskPublic]:
    """Set the same fields on every task named, or on none: one transaction."""
    ids = list(dict.fromkeys(request.ids))
    async with transaction(rt.engine) as conn:
        # Locked in id order, so two bulk updates over the same tasks cannot deadlock.
        visible = (
            await conn.execute(
                select(*TASK_COLUMNS, project_members.c.role)
                .join(
                    project_members,
                    and_(
                        project_members.c.project_id == tasks.c.project_id,
                        project_members.c.user_id == user_id,
                    ),
                )
                .where(tasks.c.id.in_(ids))
                .order_by(tasks.c.id)
                .with_for_update(of=tasks)
            )
        ).all()
        missing = set(ids) - {row.id for row in visible}
        if missing:
            raise NotFound(NO_SUCH_TASK, missing_ids=sorted(str(i) for i in missing))
        if any(RANK[row.role] < RANK["editor"] for row in visible):
            raise Forbidden("changing these tasks needs the editor role in each of their projects")
        values = await _with_due_date(conn, user_id, request.set.model_dump(exclude_unset=True))
        if values.get("assignee_id") is not None:
            projects = {row.project_id for row in visible}
            await require_assignable(conn, projects, values["assignee_id"])
        before = {row.id: task_from_row(row[: len(TASK_COLUMNS)]) for row in visible}
        for task in before.values():
            recurrence.checked(values, task)
        rows = (
            await conn.execute(
                update(tasks)
                .where(tasks.c.id.in_(ids))
                .values(_changes(values, utcnow()))
                .returning(*TASK_COLUMNS)
            )
        ).all()
        changed = tasks_from_rows(rows)
        pairs = [(before[task.id], task) for task in changed]
        by_id = {task.id: task for task in await recurrence.follow(conn, user_id, pairs)}
        await reminders.follow(conn, [(before[task_id], by_id[task_id]) for task_id in ids])
        await task_events.tasks_changed(
            conn, user_id, [(before[task_id], by_id[task_id]) for task_id in ids]
        )
    return [by_id[task_id] for task_id in ids]


async def require_assignable(
    conn: AsyncConnection, project_ids: Collection[uuid.UUID], assignee_id: uuid.UUID
) -> None:
    """Tasks are assigned only to members: of every project named (else a 422)."""
    # FOR SHARE: a removal of this member waits for this write, then clears its assignment.
    memberships = (
        await conn.execute(
            select(project_members.c.project_id)
            .where(
                project_members.c.user_id == assignee_id,
                project_members.c.project_id.in_(project_ids),
            )
            .with_for_update(read=True)
        )
    ).all()
    if len(memberships) != len(set(project_ids)):
        raise InvalidInput(
            "the assignee must be a member of the task's project",
            errors=[{"loc": ["assignee_id"], "msg": "not a project member", "type": "member"}],
        )


async def _with_due_date(
    conn: AsyncConnection, user_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    """An all-day `due_date` makes due_at the end of that day in the user's time zone; a
    `due_at` (or null) makes the task due at an instant, with no all-day date."""
    if values.get("due_date") is not None:
        time_zone = await conn.scalar(select(users.c.time_zone).where(users.c.id == user_id))
        return dict(values, due_at=end_of_day(values["due_date"], time_zone))
    if "due_date" in values or "due_at" in values:
        return dict(values, due_at=values.get("due_at"), due_date=None)
    return values


def end_of_day(day: date, time_zone: str | None) -> datetime:
    """23:59:59 on `day` in the zone named (UTC if none), as a UTC instant."""
    try:
        return datetime.combine(day, time(23, 59, 59), zone(time_zone)).astimezone(UTC)
    except OverflowError as exc:  # 9999-12-31 west of Greenwich has no UTC year
        raise InvalidInput(
            "the due date is out of range",
            errors=[{"loc": ["due_date"], "msg": "out of range", "type": "value_error"}],
        ) from exc


def _changes(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The SET clause for `values`: bumps version and updated_at, keeps completed_at in step."""
    changes = dict(values, version=tasks.c.version + 1, updated_at=now)
    if "status" in values:
        if values["status"] == "done":
            stamp = literal(now, UtcDateTime())
            # A task that was done already keeps the time it was completed.
            changes["completed_at"] = case(
                (tasks.c.status == "done", func.coalesce(tasks.c.completed_at, stamp)),
                else_=stamp,
            )
        else:
            changes["completed_at"] = None
    return changes


async def _locked_task(conn: AsyncConnection, task_id: uuid.UUID) -> TaskPublic | None:
    row = (
        await conn.execute(select(*TASK_COLUMNS).where(tasks.c.id == task_id).with_for_update())
    ).first()
    return None if row is None else task_from_row(row)
