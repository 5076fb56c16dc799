"""The list, board, search, My tasks and history queries answer from indexes at any table size:
at 10^5 tasks in 20 projects, no plan PostgreSQL makes for them reads tasks or task_activity
sequentially, each reads about a page per project, not the table, and counts read no task
but the overdue ones.

The statements are the services' own, run through them on a database of this module's own
(seeded with bench.growth's generate_series), with every statement prepared and its plan
logged by auto_explain: once as custom plans (the parameters' values known), once as the
generic plans prepared statements may end up with (psycopg prepares a statement on its fifth
execution; PostgreSQL may then plan it once for any values).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from bench.growth import People, add_projects, seed, settle, task_id
from functions.core import migrate
from functions.core.clock import utcnow
from functions.core.models.activity import ActivityListQuery
from functions.core.models.tasks import TaskListQuery, TaskStatsQuery
from functions.core.runtime import Runtime
from functions.core.services.activity import list_project_activity, list_task_activity
from functions.core.services.task_reads import list_tasks, task_stats
from tests.conftest import make_test_settings, own_database

pytestmark = pytest.mark.postgres

TASKS = 100_000
# A page reads up to 51 index entries in each of 20 projects, twice by due date (with a date,
# without), four times by priority; filters checked along the walk read more: at most this.
MOST_ROWS_READ = 10_000
WHOLE_TABLE = {"tasks", "task_activity"}
# Task 0 has this many subtasks: a later page of them is read too.
SUBTASKS = 120
SORTS = ("created", "-created", "updated", "-updated", "due", "-due", "priority", "-priority")


@dataclass
class Seeded:
    url: str
    people: People


@pytest.fixture(scope="module")
def seeded(run_id: str) -> Iterator[Seeded]:
    with own_database(f"taskflow_plans_{run_id}") as url:
        migrate.upgrade(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with psycopg.connect(url, autocommit=True) as conn:
            user = uuid.uuid4()
            conn.execute(
                "INSERT INTO users (id, email, display_name, password_hash, created_at,"
                " updated_at) VALUES (%s, 'plans@example.com', 'Plans', 'x', now(), now())",
                (user,),
            )
            people = add_projects(conn, user, 20)
            seed(conn, people, 0, TASKS)
            # Task 0's subtasks: the tasks after it in its project (every 20th is in it).
            conn.execute(
                "UPDATE tasks SET parent_id = %s WHERE id = ANY(%s)",
                (task_id(0), [task_id(n * 20) for n in range(1, SUBTASKS + 1)]),
            )
            settle(conn)
        yield Seeded(url.replace("postgresql://", "postgresql+psycopg://", 1), people)


@dataclass
class Explained:
    """A runtime whose every statement is prepared, and its plan logged (auto_explain)."""

    rt: Runtime
    plans: list[dict[str, Any]] = field(default_factory=list)


@asynccontextmanager
async def explaining(url: str, plan_cache_mode: str, data_dir: Path) -> AsyncIterator[Explained]:
    rt = Runtime(make_test_settings(database_url=url, data_dir=data_dir))
    explained = Explained(rt)

    def on_notice(diagnostic: psycopg.errors.Diagnostic) -> None:
        text = diagnostic.message_primary or ""
        if "plan:" in text:
            explained.plans.append(json.loads(text.split("plan:", 1)[1])["Plan"])

    def prepare_and_explain(dbapi_connection: Any, _record: Any) -> None:
        raw = dbapi_connection.driver_connection
        raw.prepare_threshold = 0  # prepared at once: the plan cache decides, as in time
        raw.add_notice_handler(on_notice)
        cursor = dbapi_connection.cursor()
        for setting in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_analyze = on",
            "SET auto_explain.log_timing = off",
            "SET auto_explain.log_format = json",
            "SET auto_explain.log_level = notice",
            f"SET plan_cache_mode = {plan_cache_mode}",
        ):
            cursor.execute(setting)
        cursor.close()
        dbapi_connection.commit()  # session settings outlive it; reads then run in autocommit

    event.listen(rt.engine.sync_engine, "connect", prepare_and_explain)
    try:
        yield explained
    finally:
        await rt.close()


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans of tasks and task_activity returned or filtered out, all loops."""
    return sum(
        round(
            (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0))
            * node.get("Actual Loops", 1)
        )
        for node in _nodes(plan)
        if node.get("Relation Name") in WHOLE_TABLE
    )


def _problems(name: str, plans: list[dict[str, Any]], most_rows: int | None) -> list[str]:
    problems = []
    for plan in plans:
        sequential = {
            node["Relation Name"]
            for node in _nodes(plan)
            if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in WHOLE_TABLE
        }
        if sequential:
            problems.append(f"{name}: a sequential scan of {sorted(sequential)}")
        read = _rows_read(plan)
        if most_rows is not None and read > most_rows:
            problems.append(f"{name}: read {read} rows of tasks or task_activity")
    return problems


def _shapes(people: People) -> dict[str, TaskListQuery]:
    me, project = people.creator, people.projects[0]
    now = utcnow()
    shapes = {f"sort={sort}": TaskListQuery(sort=sort) for sort in SORTS}
    shapes |= {
        "status": TaskListQuery(status=["todo"]),
        "two statuses": TaskListQuery(status=["review", "in_progress"]),
        "status, by due date": TaskListQuery(status=["todo"], sort="due"),
        "priority": TaskListQuery(priority=["urgent", "high"]),
        "priority, by priority": TaskListQuery(priority=["low"], sort="-priority"),
        "my tasks": TaskListQuery(assignee_id=me),
        "my open tasks": TaskListQuery(assignee_id=me, status=["todo", "in_progress"]),
        "my tasks by due date": TaskListQuery(assignee_id=me, sort="due"),
        "board column": TaskListQuery(project_id=project, status=["in_progress"]),
        "one project": TaskListQuery(project_id=project),
        "one project by due date": TaskListQuery(project_id=project, sort="-due"),
        "overdue": TaskListQuery(overdue=True),
        "not overdue": TaskListQuery(overdue=False),
        "due before": TaskListQuery(due_before=now + timedelta(days=7), sort="due"),
        "due after": TaskListQuery(due_after=now, sort="-due"),
        # One task in a thousand has the word, and the label (bench.growth.VOCABULARY).
        "search": TaskListQuery(q="topic17"),
        "search in a project": TaskListQuery(q="topic17", project_id=project),
        "label": TaskListQuery(label="tag-17"),
        "label on a board": TaskListQuery(label="tag-17", project_id=project, sort="-updated"),
        # My tasks, Today, Upcoming (the web app's views) and the yes/no filters.
        "my open tasks by due date": TaskListQuery(assignee_id=me, open=True, sort="due"),
        "my tasks of the next week": TaskListQuery(
            assignee_id=me,
            open=True,
            due_after=now,
            due_before=now + timedelta(days=8),
            sort="due",
        ),
        "my tasks without a due date": TaskListQuery(assignee_id=me, no_due_date=True, sort="due"),
        "unassigned": TaskListQuery(unassigned=True),
        "assigned": TaskListQuery(unassigned=False, sort="-updated"),
        "unassigned in a project": TaskListQuery(unassigned=True, project_id=project, sort="due"),
        "no due date": TaskListQuery(no_due_date=True),
        "no due date, by due date": TaskListQuery(no_due_date=True, sort="-due"),
        "with a due date, by priority": TaskListQuery(no_due_date=False, sort="priority"),
        "open": TaskListQuery(open=True),
        "closed, by due date": TaskListQuery(open=False, sort="-due"),
        # A task's subtasks (the panel's checklist), in any order.
        "subtasks": TaskListQuery(parent_id=task_id(0), sort="created"),
        "subtasks by due date": TaskListQuery(parent_id=task_id(0), sort="due"),
        "open subtasks by priority": TaskListQuery(
            parent_id=task_id(0), open=True, sort="-priority"
        ),
    }
    return shapes


async def _plans_of(
    explained: Explained, call: Callable[[], Awaitable[Any]]
) -> tuple[Any, list[dict[str, Any]]]:
    explained.plans.clear()
    result = await call()
    assert explained.plans, "auto_explain logged no plan"
    return result, list(explained.plans)


@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
async def test_every_list_query_reads_a_page_per_project_not_the_table(
    seeded: Seeded, plan_cache_mode: str, tmp_path: Path
) -> None:
    async with explaining(seeded.url, plan_cache_mode, tmp_path) as explained:
        problems = await _problems_of_every_shape(explained, seeded.people)
    assert not problems, "\n".join(problems)


async def _problems_of_every_shape(explained: Explained, people: People) -> list[str]:
    rt, me = explained.rt, people.creator
    problems: list[str] = []
    for name, query in _shapes(people).items():
        page, plans = await _plans_of(explained, lambda q=query: list_tasks(rt, me, q))
        problems += _problems(name, plans, MOST_ROWS_READ)
        if page.next_cursor is None:
            continue
        # A later page starts from the cursor's position: it reads no more than the first.
        later = query.model_copy(update={"cursor": page.next_cursor})
        _, plans = await _plans_of(explained, lambda q=later: list_tasks(rt, me, q))
        problems += _problems(f"{name}, page 2", plans, MOST_ROWS_READ)

    histories: dict[str, Callable[[ActivityListQuery], Awaitable[Any]]] = {
        "task history": lambda q: list_task_activity(rt, me, task_id(0), q),
        "project history": lambda q: list_project_activity(rt, me, people.projects[0], q),
    }
    for name, history in histories.items():
        query = ActivityListQuery()
        for number in (1, 2, 3):
            page, plans = await _plans_of(explained, lambda q=query, h=history: h(q))
            problems += _problems(f"{name}, page {number}", plans, MOST_ROWS_READ)
            if page.next_cursor is None:
                break
            query = ActivityListQuery(cursor=page.next_cursor)

    # Counts come from task_counts; of tasks, only the overdue ones are read (in an index).
    for name, stats_query in {
        "one project's counts": TaskStatsQuery(project_id=people.projects[0]),
        "every project's counts": TaskStatsQuery(),
    }.items():
        stats, plans = await _plans_of(explained, lambda q=stats_query: task_stats(rt, me, q))
        assert stats.total > 0
        problems += _problems(name, plans, stats.overdue)
    return problems
