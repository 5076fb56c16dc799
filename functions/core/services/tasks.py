"""Tasks: create, read, list, change and delete them within the projects a user belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Final, get_args

from cloudevents.http import CloudEvent
from pydantic import TypeAdapter
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

from events.vocabulary import Priority, Role, Status
from functions.core.clock import utcnow
from functions.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from functions.core.models.tasks import (
    TaskBulkUpdate,
    TaskCreate,
    TaskListQuery,
    TaskPublic,
    TasksPublic,
    TaskStats,
    TaskStatsQuery,
    TaskUpdate,
)
from functions.core.pagination import Kind, after, decode_cursor, encode_cursor
from functions.core.services import task_events
from functions.core.services.access import RANK, member_projects, require_role
from functions.core.tables import (
    TASK_SEARCH_CONFIG,
    UtcDateTime,
    project_members,
    task_search_document,
    tasks,
)

NO_SUCH_TASK: Final = "no such task"
CLOSED: Final[tuple[Status, ...]] = ("done", "cancelled")
# Tasks without a due date sort as due at this instant: last ascending (keyset keys cannot be NULL).
NO_DUE_DATE: Final = datetime.max.replace(tzinfo=UTC)
PRIORITY_RANK: Final[dict[Priority, int]] = {"low": 0, "medium": 1, "high": 2, "urgent": 3}

# Selected in TaskPublic's field order, so a row validates straight into the answer.
TASK_FIELDS: Final = tuple(TaskPublic.model_fields)
TASK_COLUMNS: Final = tuple(tasks.c[name] for name in TASK_FIELDS)
_TASK_LIST: Final = TypeAdapter(list[TaskPublic])


def _task(row: Row[Any] | tuple[Any, ...]) -> TaskPublic:
    """A row of TASK_COLUMNS as the answer.

    Validated from a plain dict: pydantic reading a Row attribute by attribute costs several
    times the validation itself.
    """
    return TaskPublic.model_validate(dict(zip(TASK_FIELDS, row, strict=True)))


def _tasks(rows: Sequence[Row[Any]]) -> list[TaskPublic]:
    """Rows of TASK_COLUMNS as answers, validated in one call."""
    return _TASK_LIST.validate_python([dict(zip(TASK_FIELDS, row, strict=True)) for row in rows])


@dataclass(frozen=True)
class SortKey:
    """A list order: the SQL expression rows are sorted by, and that value for one task."""

    expression: ColumnElement[Any]
    value_of: Callable[[TaskPublic], Any]
    kind: Kind


SORT_KEYS: Final[dict[str, SortKey]] = {
    "created": SortKey(tasks.c.created_at, lambda t: t.created_at, datetime),
    "updated": SortKey(tasks.c.updated_at, lambda t: t.updated_at, datetime),
    "due": SortKey(
        func.coalesce(tasks.c.due_at, literal(NO_DUE_DATE, UtcDateTime())),
        lambda t: t.due_at or NO_DUE_DATE,
        datetime,
    ),
    "priority": SortKey(
        case(PRIORITY_RANK, value=tasks.c.priority),
        lambda t: PRIORITY_RANK[t.priority],
        lambda v: type(v) is int and v in PRIORITY_RANK.values(),
    ),
}


def _overdue(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return and_(tasks.c.due_at < now, tasks.c.status.not_in(CLOSED))


def _not_overdue(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return or_(tasks.c.due_at.is_(None), tasks.c.due_at >= now, tasks.c.status.in_(CLOSED))


def _has_label(dialect: str) -> ColumnElement[bool]:
    """Has the label given as `label` (PostgreSQL: as the one-element list `["x"]`)."""
    if dialect == "postgresql":
        # `labels @> '["x"]'::jsonb`: the form the GIN index ix_tasks_labels serves.
        return type_coerce(tasks.c.labels, JSONB).contains(bindparam("label", type_=JSONB))
    each = func.json_each(tasks.c.labels).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == bindparam("label")))


def _matches(dialect: str) -> ColumnElement[bool]:
    """Matches the search given as `q` (SQLite: as a LIKE pattern)."""
    if dialect == "postgresql":
        # The exact expression of the index ix_tasks_search, or PostgreSQL cannot use it.
        config: ColumnElement[str] = literal_column(f"'{TASK_SEARCH_CONFIG}'")
        return task_search_document.bool_op("@@")(func.websearch_to_tsquery(config, bindparam("q")))
    pattern: BindParameter[str] = bindparam("q")
    return or_(
        tasks.c.title.ilike(pattern, escape="\\"),
        tasks.c.description.ilike(pattern, escape="\\"),
    )


def _list_values(
    user_id: uuid.UUID, query: TaskListQuery, dialect: str, now: datetime
) -> dict[str, Any]:
    """The values a page of GET /api/tasks binds, one for each filter given."""
    values: dict[str, Any] = {"user_id": user_id, "limit": query.limit + 1}
    if query.project_id is not None:
        values["project_id"] = query.project_id
    if query.status:
        values["status"] = query.status
    if query.priority:
        values["priority"] = query.priority
    if query.assignee_id is not None:
        values["assignee_id"] = query.assignee_id
    if query.label:
        values["label"] = [query.label] if dialect == "postgresql" else query.label
    if query.due_before is not None:
        values["due_before"] = query.due_before
    if query.due_after is not None:
        values["due_after"] = query.due_after
    if query.overdue is not None:
        values["now"] = now
    if query.q:
        if dialect == "postgresql":
            values["q"] = query.q
        else:
            escaped = query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            values["q"] = f"%{escaped}%"
    if query.cursor is not None:
        kinds = (SORT_KEYS[query.sort.removeprefix("-")].kind, uuid.UUID)
        values["after_key"], values["after_id"] = decode_cursor(query.cursor, query.sort, kinds)
    return values


@lru_cache(maxsize=256)
def _list_shape(
    dialect: str, sort: str, overdue: bool | None, given: frozenset[str]
) -> Select[Any]:
    """The SELECT for every page of one shape (its filters and order), values left to bind.

    Built once per shape: SQLAlchemy memoises a statement's cache key and result columns on
    the statement object, work a statement built for each request would repeat each time.
    """
    sort_key = SORT_KEYS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    keys = (sort_key.expression, tasks.c.id)
    # Membership is part of every statement, so no filter combination can reach other rows.
    where: list[ColumnElement[bool]] = [
        tasks.c.project_id.in_(member_projects(bindparam("user_id")))
    ]
    if "project_id" in given:
        where.append(tasks.c.project_id == bindparam("project_id"))
    if "status" in given:
        where.append(tasks.c.status.in_(bindparam("status", expanding=True)))
    if "priority" in given:
        where.append(tasks.c.priority.in_(bindparam("priority", expanding=True)))
    if "assignee_id" in given:
        where.append(tasks.c.assignee_id == bindparam("assignee_id"))
    if "label" in given:
        where.append(_has_label(dialect))
    if "due_before" in given:
        where.append(tasks.c.due_at < bindparam("due_before"))
    if "due_after" in given:
        where.append(tasks.c.due_at > bindparam("due_after"))
    if overdue is not None:
        now = bindparam("now", type_=UtcDateTime())
        where.append(_overdue(now) if overdue else _not_overdue(now))
    if "q" in given:
        where.append(_matches(dialect))
    if "after_key" in given:
        where.append(after(keys, (bindparam("after_key"), bindparam("after_id")), descending))
    order = [key.desc() if descending else key.asc() for key in keys]
    return select(*TASK_COLUMNS).where(*where).order_by(*order).limit(bindparam("limit"))


def list_statement(
    user_id: uuid.UUID, query: TaskListQuery, *, dialect: str, now: datetime
) -> tuple[Select[Any], dict[str, Any]]:
    """The SELECT behind one page of GET /api/tasks (the page's rows plus one, if more follow)
    and the values it binds."""
    values = _list_values(user_id, query, dialect, now)
    return _list_shape(dialect, query.sort, query.overdue, frozenset(values)), values


async def list_tasks(
    conn: AsyncConnection, user_id: uuid.UUID, query: TaskListQuery
) -> TasksPublic:
    """One page of the tasks the user may see, filtered and sorted, with the next page's cursor."""
    if query.project_id is not None:
        await require_role(conn, query.project_id, user_id)
    statement, values = list_statement(user_id, query, dialect=conn.dialect.name, now=utcnow())
    rows = (await conn.execute(statement, values)).all()
    items = _tasks(rows[: query.limit])
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        sort = SORT_KEYS[query.sort.removeprefix("-")]
        next_cursor = encode_cursor(query.sort, [sort.value_of(last), last.id])
    return TasksPublic(items=items, next_cursor=next_cursor)


async def task_stats(conn: AsyncConnection, user_id: uuid.UUID, query: TaskStatsQuery) -> TaskStats:
    """Counts by status and by priority, and how many are overdue, in one GROUP BY."""
    where: list[ColumnElement[bool]] = [tasks.c.project_id.in_(member_projects(user_id))]
    if query.project_id is not None:
        await require_role(conn, query.project_id, user_id)
        where.append(tasks.c.project_id == query.project_id)
    overdue = func.sum(case((_overdue(utcnow()), 1), else_=0))
    rows = await conn.execute(
        select(tasks.c.status, tasks.c.priority, func.count(), overdue)
        .where(*where)
        .group_by(tasks.c.status, tasks.c.priority)
    )
    by_status: dict[Status, int] = dict.fromkeys(get_args(Status), 0)
    by_priority: dict[Priority, int] = dict.fromkeys(get_args(Priority), 0)
    total = overdue_total = 0
    for status, priority, count, overdue_count in rows:
        by_status[status] += count
        by_priority[priority] += count
        total += count
        overdue_total += overdue_count or 0
    return TaskStats(
        total=total, by_status=by_status, by_priority=by_priority, overdue=overdue_total
    )


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


async def create_task(conn: AsyncConnection, user_id: uuid.UUID, data: TaskCreate) -> TaskPublic:
    """A new task (version 1) created by the user, an editor or owner of its project."""
    task, _ = await create_task_with_events(conn, user_id, data)
    return task


async def create_task_with_events(
    conn: AsyncConnection, user_id: uuid.UUID, data: TaskCreate
) -> tuple[TaskPublic, list[CloudEvent]]:
    """As `create_task`, and the events it wrote to the outbox (`created` first)."""
    await require_role(conn, data.project_id, user_id, "editor")
    if data.assignee_id is not None:
        await require_assignable(conn, [data.project_id], data.assignee_id)
    now = utcnow()
    row = (
        await conn.execute(
            insert(tasks)
            .values(
                id=uuid.uuid4(),
                **data.model_dump(),
                creator_id=user_id,
                created_at=now,
                updated_at=now,
                completed_at=now if data.status == "done" else None,
                version=1,
            )
            .returning(*TASK_COLUMNS)
        )
    ).one()
    task = _task(row)
    return task, await task_events.task_created(conn, user_id, task)


# Built once: SQLAlchemy memoises a statement's cache key and result columns on the object,
# work that a statement built for each request repeats each time.
_GET_TASK: Final = select(*TASK_COLUMNS).where(
    tasks.c.id == bindparam("task_id"),
    tasks.c.project_id.in_(member_projects(bindparam("user_id"))),
)


async def get_task(conn: AsyncConnection, user_id: uuid.UUID, task_id: uuid.UUID) -> TaskPublic:
    row = (await conn.execute(_GET_TASK, {"task_id": task_id, "user_id": user_id})).first()
    if row is None:
        raise NotFound(NO_SUCH_TASK)
    return _task(row)


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


async def update_task(
    conn: AsyncConnection,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    changes: TaskUpdate,
    *,
    if_match: Collection[int] | None = None,
) -> TaskPublic:
    """Change only the fields sent, in one UPDATE conditional on the version expected.

    `if_match` (the versions an If-Match header accepts) failing is a 412; `changes.version`
    failing is a 409; with neither, the write is unconditional.
    """
    project_id = await visible_task_project(conn, user_id, task_id, "editor")
    values = {name: getattr(changes, name) for name in changes.model_fields_set - {"version"}}
    if values.get("assignee_id") is not None:
        await require_assignable(conn, [project_id], values["assignee_id"])
    # Locked as it stands, so the events describe exactly this change.
    before = await _locked_task(conn, task_id)
    statement = update(tasks).where(tasks.c.id == task_id)
    if if_match is not None:
        statement = statement.where(tasks.c.version.in_(if_match))
    if changes.version is not None:
        statement = statement.where(tasks.c.version == changes.version)
    row = (
        await conn.execute(statement.values(_changes(values, utcnow())).returning(*TASK_COLUMNS))
    ).first()
    if row is None:
        current = await conn.scalar(select(tasks.c.version).where(tasks.c.id == task_id))
        if current is None:
            raise NotFound(NO_SUCH_TASK)
        if if_match is not None and current not in if_match:
            raise PreconditionFailed(
                f"the task is at version {current}; read it again", current_version=current
            )
        raise Conflict(
            f"the task changed meanwhile and is at version {current}", current_version=current
        )
    after = _task(row)
    if before is not None:
        await task_events.tasks_changed(conn, user_id, [(before, after)])
    return after


async def _locked_task(conn: AsyncConnection, task_id: uuid.UUID) -> TaskPublic | None:
    row = (
        await conn.execute(select(*TASK_COLUMNS).where(tasks.c.id == task_id).with_for_update())
    ).first()
    return None if row is None else _task(row)


async def delete_task(conn: AsyncConnection, user_id: uuid.UUID, task_id: uuid.UUID) -> None:
    await visible_task_project(conn, user_id, task_id, "editor")
    row = (
        await conn.execute(delete(tasks).where(tasks.c.id == task_id).returning(*TASK_COLUMNS))
    ).first()
    if row is not None:
        await task_events.task_deleted(conn, user_id, _task(row))


async def bulk_update_tasks(
    conn: AsyncConnection, user_id: uuid.UUID, request: TaskBulkUpdate
) -> list[TaskPublic]:
    """Set the same fields on every task named, or on none: run inside one transaction."""
    ids = list(dict.fromkeys(request.ids))
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
    values = request.set.model_dump(exclude_unset=True)
    if values.get("assignee_id") is not None:
        await require_assignable(conn, {row.project_id for row in visible}, values["assignee_id"])
    rows = (
        await conn.execute(
            update(tasks)
            .where(tasks.c.id.in_(ids))
            .values(_changes(values, utcnow()))
            .returning(*TASK_COLUMNS)
        )
    ).all()
    by_id = {task.id: task for task in _tasks(rows)}
    before = {row.id: _task(row[: len(TASK_COLUMNS)]) for row in visible}
    await task_events.tasks_changed(
        conn, user_id, [(before[task_id], by_id[task_id]) for task_id in ids]
    )
    return [by_id[task_id] for task_id in ids]
