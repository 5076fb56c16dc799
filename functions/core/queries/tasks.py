"""The SELECTs that read tasks: one task, a page of a list, and the counts.

Every statement limits itself to the projects the user belongs to. A list page's statement
is built once per shape (dialect, filters, order) and cached; a request binds only its values.
On PostgreSQL a page walks per-project indexes (task_pages), unless it searches, filters by
a label or lists a task's subtasks; otherwise, and on SQLite (the embedded mode's small
tables), it is one plain filtered and sorted SELECT. Both give the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, get_args

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB

from events.vocabulary import Status
from functions.core.models.tasks import TaskListQuery, TaskPublic
from functions.core.pagination import Kind, after, decode_cursor, encode_cursor
from functions.core.queries.task_pages import NO_DUE_DATE, PRIORITY_RANK, page_statement
from functions.core.queries.task_rows import TASK_COLUMNS
from functions.core.tables import (
    TASK_SEARCH_CONFIG,
    UtcDateTime,
    project_members,
    task_counts,
    task_search_document,
    tasks,
)

CLOSED: Final[tuple[Status, ...]] = ("done", "cancelled")
OPEN: Final[tuple[Status, ...]] = tuple(s for s in get_args(Status) if s not in CLOSED)


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


def member_projects(user_id: uuid.UUID | BindParameter[uuid.UUID]) -> Select[tuple[uuid.UUID]]:
    """A subquery of the ids of every project the user belongs to (or a bound parameter's)."""
    return select(project_members.c.project_id).where(project_members.c.user_id == user_id)


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
    if query.parent_id is not None:
        values["parent_id"] = query.parent_id
    if query.status:
        # Once each: on PostgreSQL each status asked for is a group of its own.
        values["status"] = list(dict.fromkeys(query.status))
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


@dataclass(frozen=True)
class Presence:
    """The yes/no filters, which bind no value: each None (not asked), True or False."""

    overdue: bool | None = None
    unassigned: bool | None = None
    no_due_date: bool | None = None
    open: bool | None = None


def _checks(
    dialect: str, presence: Presence, given: frozenset[str]
) -> dict[str, ColumnElement[bool]]:
    """The filters given, by query field, each a condition on a task."""
    checks: dict[str, ColumnElement[bool]] = {}
    overdue = presence.overdue
    if "parent_id" in given:
        checks["parent_id"] = tasks.c.parent_id == bindparam("parent_id")
    if "status" in given:
        checks["status"] = tasks.c.status.in_(bindparam("status", expanding=True))
    if "priority" in given:
        checks["priority"] = tasks.c.priority.in_(bindparam("priority", expanding=True))
    if "assignee_id" in given:
        checks["assignee_id"] = tasks.c.assignee_id == bindparam("assignee_id")
    if presence.unassigned is not None:
        # `(assignee_id IS NULL) IS TRUE`, which no index serves: PostgreSQL takes no order from
        # an IS NULL on an index's first column, so a generic plan read every unassigned task
        # from the index of assignees and sorted them. Checked along the walk instead, like a
        # status, and estimated as the IS NULL is (from the column's share of NULLs).
        unassigned = tasks.c.assignee_id.is_(None).is_(True)
        checks["unassigned"] = unassigned if presence.unassigned else ~unassigned
    if presence.open is not None:
        # Open tasks are in a partial index by (project_id, due_at, id): a walk by due date
        # reads only them.
        checks["open"] = _open() if presence.open else ~_open()
    if presence.no_due_date is not None:
        undated = tasks.c.due_at.is_(None)
        checks["no_due_date"] = undated if presence.no_due_date else ~undated
    if "label" in given:
        checks["label"] = _has_label(dialect)
    if "due_before" in given:
        checks["due_before"] = tasks.c.due_at < bindparam("due_before")
    if "due_after" in given:
        checks["due_after"] = tasks.c.due_at > bindparam("due_after")
    if overdue is not None:
        now = bindparam("now", type_=UtcDateTime())
        checks["overdue"] = _overdue(now) if overdue else _not_overdue(now)
    if "q" in given:
        checks["q"] = _matches(dialect)
    return checks


@lru_cache(maxsize=256)
def _list_shape(dialect: str, sort: str, presence: Presence, given: frozenset[str]) -> Select[Any]:
    """The SELECT for every page of one shape (its filters and order), values left to bind.

    Built once per shape: SQLAlchemy memoises a statement's cache key and result columns on
    the statement object, work a statement built for each request would repeat each time.
    """
    checks = _checks(dialect, presence, given)
    # Searches and label filters read every match from their GIN indexes in the plain statement
    # below. A walk would stop early for a common word or label, but PostgreSQL can only guess
    # its length from the average project's size, and a rare one in a large project would then
    # walk the whole project (the planner's choice then hung on other projects' sizes).
    # A task's subtasks come from the index by parent, however large their project.
    if dialect == "postgresql" and not given & {"q", "label", "parent_id"}:
        statuses = None if presence.open is None else OPEN if presence.open else CLOSED
        return page_statement(
            sort, checks, given, dated=_negated(presence.no_due_date), statuses=statuses
        )
    sort_key = SORT_KEYS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    keys = (sort_key.expression, tasks.c.id)
    # Membership is part of every statement, so no filter combination can reach other rows.
    where: list[ColumnElement[bool]] = [
        tasks.c.project_id.in_(member_projects(bindparam("user_id")))
    ]
    if "project_id" in given:
        where.append(tasks.c.project_id == bindparam("project_id"))
    where += checks.values()
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
    presence = Presence(query.overdue, query.unassigned, query.no_due_date, query.open)
    return _list_shape(dialect, query.sort, presence, frozenset(values)), values


def _negated(value: bool | None) -> bool | None:
    return None if value is None else not value


def cursor_after(sort: str, last: TaskPublic) -> str:
    """The cursor of the page that follows `last` in the order `sort` (list_statement reads it)."""
    key = SORT_KEYS[sort.removeprefix("-")]
    return encode_cursor(sort, [key.value_of(last), last.id])


def stats_statement(user_id: uuid.UUID, project_id: uuid.UUID | None, now: datetime) -> Select[Any]:
    """Counts by status and priority, and how many are overdue, in one statement that reads no
    task but the overdue ones: the counts are task_counts' (kept by triggers on tasks), the
    overdue ones are counted in the index of open tasks by (project_id, due_at)."""
    counted: list[ColumnElement[bool]] = [task_counts.c.project_id.in_(member_projects(user_id))]
    overdue: list[ColumnElement[bool]] = [
        tasks.c.project_id.in_(member_projects(user_id)),
        _open(),
        tasks.c.due_at < now,
    ]
    if project_id is not None:
        counted.append(task_counts.c.project_id == project_id)
        overdue.append(tasks.c.project_id == project_id)
    return (
        select(
            task_counts.c.status,
            task_counts.c.priority,
            # sum() of bigint is numeric in PostgreSQL: back to bigint, a Python int.
            cast(func.sum(task_counts.c.n), BigInteger),
            select(func.count()).where(*overdue).scalar_subquery(),
        )
        .where(*counted)
        .group_by(task_counts.c.status, task_counts.c.priority)
    )


def _open() -> ColumnElement[bool]:
    """Not closed, with the statuses written into the SQL: the planner matches it to the
    partial indexes on OPEN_TASK_SQL even in a generic plan."""
    return tasks.c.status.not_in(bindparam("closed", CLOSED, expanding=True, literal_execute=True))


# Built once: SQLAlchemy memoises a statement's cache key and result columns on the object,
# work that a statement built for each request repeats each time.
TASK_BY_ID: Final = select(*TASK_COLUMNS).where(
    tasks.c.id == bindparam("task_id"),
    tasks.c.project_id.in_(member_projects(bindparam("user_id"))),
)
