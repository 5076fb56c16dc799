"""The orders a list of tasks is paged in, and PostgreSQL's statement for one page.

Filtering `project_id IN (the caller's projects)` and sorting leaves PostgreSQL one way at a
large table: read every matching row, then sort (a parallel sequential scan at a million
rows). This statement instead splits the rows into groups that an index holds in the page's
order (each of the caller's projects; within it one status, or one priority; or the tasks with
a due date, and those without), walks each group along its index in a LATERAL subquery that
stops at the page's length, merges the groups' keys, and reads only the page's rows whole, by
id. A first page reads about a page of index entries per group, whatever the table's size.

Filters no index orders by are checked along the walk: at a given share of matching rows the
walk is as long at any table size (someone's tasks, newest first, have an index of their own:
the planner chooses). Searches and label filters do not come here (see tasks._list_shape).
A cursor's position is a range condition on the walk's index, so a later page starts where the
previous one stopped instead of skipping the rows before it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    values,
)

from events.vocabulary import Priority
from functions.core.queries.keyset import past
from functions.core.queries.task_rows import TASK_FIELDS
from functions.core.tables import UtcDateTime, project_members, tasks

# Tasks without a due date sort as due at this instant: last ascending (keyset keys cannot be NULL).
NO_DUE_DATE: Final = datetime.max.replace(tzinfo=UTC)
PRIORITY_RANK: Final[dict[Priority, int]] = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
# The ends of the uuid order (PostgreSQL compares uuids byte by byte, as Python their ints).
_LOWEST_ID: Final = uuid.UUID(int=0)
_HIGHEST_ID: Final = uuid.UUID(int=2**128 - 1)


def page_statement(
    sort: str,
    checks: Mapping[str, ColumnElement[bool]],
    given: frozenset[str],
    *,
    dated: bool | None = None,
    statuses: tuple[str, ...] | None = None,
) -> Select[Any]:
    """One page of `sort` (the page's rows plus one), filtered by `checks` (by query field).
    `dated` says the page holds only tasks with a due date (True) or only those without (False):
    sorted by due date, it then walks one of the two groups (checks["no_due_date"] says it too).
    `statuses` are those checks["open"] lets through: newest first, one group each.

    Binds what tasks.list_statement binds: `user_id`, `limit`, `project_id` and each given
    filter, and a cursor's `after_key` and `after_id`.
    """
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    checks = dict(checks)
    groups: FromClause = project_members
    group_where = [project_members.c.user_id == bindparam("user_id")]
    if "project_id" in given:
        group_where.append(project_members.c.project_id == bindparam("project_id"))
    in_project = tasks.c.project_id == project_members.c.project_id
    cursor = "after_key" in given
    walks: list[Select[Any]]
    if field == "priority":
        # One group per priority: (project_id, priority, id) holds each in id order.
        ranks = values(
            column("priority", String), column("rank", Integer), name="ranks", literal_binds=True
        ).data(list(PRIORITY_RANK.items()))
        groups = groups.join(ranks, true())
        if "priority" in checks:  # only the groups asked for
            del checks["priority"]
            group_where.append(ranks.c.priority.in_(bindparam("priority", expanding=True)))
        where = [in_project, tasks.c.priority == ranks.c.priority, *checks.values()]
        walks = [_group_walk(ranks.c.rank, tasks.c.priority, where, descending, cursor)]
    elif field == "due":
        # With a date, in (due_at, id) order; without, in id order: two walks of one index.
        checks.pop("no_due_date", None)  # each walk is of tasks with a date, or without
        with_date = [in_project, tasks.c.due_at.is_not(None), *checks.values()]
        undated = [in_project, tasks.c.due_at.is_(None), *checks.values()]
        no_date = literal(NO_DUE_DATE, UtcDateTime())
        walks = []
        if dated is not False:
            walks.append(_walk((tasks.c.due_at, tasks.c.id), with_date, descending, cursor))
        if dated is not True:
            walks.append(_group_walk(no_date, tasks.c.due_at, undated, descending, cursor))
    else:
        where = [in_project]
        if field == "created" and "status" in checks and "assignee_id" not in checks:
            # One group per status asked for: (project_id, status, created_at, id).
            del checks["status"]
            wanted = (
                func.unnest(bindparam("status", type_=ARRAY(String)))
                .table_valued("status")
                .render_derived(name="wanted")
            )
            groups = groups.join(wanted, true())
            where.append(tasks.c.status == wanted.c.status)
        elif field == "created" and statuses and "open" in checks and "assignee_id" not in checks:
            del checks["open"]
            each = values(column("status", String), name="each_status", literal_binds=True).data(
                [(status,) for status in statuses]
            )
            groups = groups.join(each, true())
            where.append(tasks.c.status == each.c.status)
        key = tasks.c.created_at if field == "created" else tasks.c.updated_at
        walks = [_walk((key, tasks.c.id), [*where, *checks.values()], descending, cursor)]
    page = (walks[0] if len(walks) == 1 else union_all(*walks)).lateral("page")
    merged = (
        select(page.c.id, page.c.sort_key)
        .select_from(groups.join(page, true()))
        .where(*group_where)
        .order_by(*_ordered((page.c.sort_key, page.c.id), descending))
        .limit(bindparam("limit"))
        .subquery("merged")
    )
    # Each of the page's rows read by its id. LIMIT 1 keeps PostgreSQL from flattening this
    # into a join, which a generic plan (no value for `limit`) would make a hash join over a
    # sequential scan of tasks.
    task = tasks.alias("task")
    row = (
        select(*(task.c[name] for name in TASK_FIELDS))
        .where(task.c.id == merged.c.id)
        .limit(1)
        .lateral("task_row")
    )
    return (
        select(*(row.c[name] for name in TASK_FIELDS))
        .select_from(merged.join(row, true()))
        .order_by(*_ordered((merged.c.sort_key, merged.c.id), descending))
    )


def _ordered(keys: Sequence[ColumnElement[Any]], descending: bool) -> list[ColumnElement[Any]]:
    return [key.desc() if descending else key.asc() for key in keys]


def _walk(
    keys: tuple[ColumnElement[Any], ColumnElement[Any]],
    where: list[ColumnElement[bool]],
    descending: bool,
    cursor: bool,
) -> Select[Any]:
    """A group whose index holds it in (key, id) order, from the cursor's position on."""
    if cursor:
        position: list[BindParameter[Any]] = [bindparam("after_key"), bindparam("after_id")]
        where = [*where, past(keys, position, descending)]
    return (
        select(tasks.c.id, keys[0].label("sort_key"))
        .where(*where)
        .order_by(*_ordered(keys, descending))
        .limit(bindparam("limit"))
    )


def _group_walk(
    key: ColumnElement[Any],
    indexed: ColumnElement[Any],
    where: list[ColumnElement[bool]],
    descending: bool,
    cursor: bool,
) -> Select[Any]:
    """A group whose sort key is one value, `key`, held by the index in (indexed, id) order
    (`indexed` is the same for every row of the group, so that is id order)."""
    if cursor:
        after_key: BindParameter[Any] = bindparam("after_key")
        after_id: BindParameter[uuid.UUID] = bindparam("after_id")
        # The whole group is before the cursor's key, or after it; or at it, from its id on.
        group_after = key <= after_key if descending else key >= after_key
        at_cursor = key == after_key
        start = case((at_cursor, after_id), else_=_LOWEST_ID if not descending else _HIGHEST_ID)
        from_start = tasks.c.id <= start if descending else tasks.c.id >= start
        where = [*where, group_after, from_start, or_(~at_cursor, tasks.c.id != after_id)]
    return (
        select(tasks.c.id, key.label("sort_key"))
        .where(and_(*where))
        .order_by(*_ordered((indexed, tasks.c.id), descending))
        .limit(bindparam("limit"))
    )
