"""task_counts stays equal to counting the tasks, whatever writes them: the API one at a time and
in bulk, INSERT straight into the table, a cascade from a deleted project, concurrent creates
on several connections, TRUNCATE, and the tasks that were there before the migration."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from functions.core import migrate, runtime
from functions.core.clock import utcnow
from functions.core.tables import task_counts, tasks
from tests.conftest import own_database
from tests.integration.helpers_tasks import create_task, insert_tasks, owner_with_inbox
from tests.support import User

Key = tuple[uuid.UUID, str, str]


async def _counted(project_ids: list[uuid.UUID]) -> tuple[Counter[Key], Counter[Key]]:
    """(task_counts' sums, a GROUP BY over tasks) for these projects, zero counts left out."""
    async with runtime.current().engine.connect() as conn:
        kept = await conn.execute(
            select(task_counts.c.project_id, task_counts.c.status, task_counts.c.priority)
            .add_columns(func.sum(task_counts.c.n))
            .where(task_counts.c.project_id.in_(project_ids))
            .group_by(task_counts.c.project_id, task_counts.c.status, task_counts.c.priority)
        )
        counted = await conn.execute(
            select(tasks.c.project_id, tasks.c.status, tasks.c.priority, func.count())
            .where(tasks.c.project_id.in_(project_ids))
            .group_by(tasks.c.project_id, tasks.c.status, tasks.c.priority)
        )
        return (
            Counter({(p, s, r): int(n) for p, s, r, n in kept if n}),
            Counter({(p, s, r): int(n) for p, s, r, n in counted}),
        )


async def _new_project(api: AsyncClient, owner: User, name: str) -> uuid.UUID:
    response = await api.post("/api/projects", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def test_the_counts_follow_every_kind_of_write(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    side = await _new_project(any_api, owner, "Side")
    doomed = await _new_project(any_api, owner, "Doomed")
    projects = [inbox, side, doomed]

    created = [
        await create_task(any_api, owner, project, status=status, priority=priority)
        for project in projects
        for status, priority in (("todo", "low"), ("review", "high"), ("done", "urgent"))
    ]
    await insert_tasks(side, owner, 25, status="in_progress", priority="high")
    for task, change in zip(
        created[:3],
        ({"status": "done"}, {"priority": "medium"}, {"title": "same counts"}),
        strict=True,
    ):
        response = await any_api.patch(
            f"/api/tasks/{task['id']}",
            json=change,
            headers={**owner.headers, "If-Match": f'"{task["version"]}"'},
        )
        assert response.status_code == 200, response.text
    bulk = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [t["id"] for t in created[3:6]], "set": {"status": "cancelled"}},
        headers=owner.headers,
    )
    assert bulk.status_code == 200, bulk.text
    deleted = await any_api.delete(f"/api/tasks/{created[6]['id']}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text

    kept, counted = await _counted(projects)
    assert kept == counted
    assert sum(counted.values()) == 9 + 25 - 1

    gone = await any_api.delete(f"/api/projects/{doomed}", headers=owner.headers)
    assert gone.status_code == 204, gone.text
    kept, counted = await _counted(projects)
    assert kept == counted
    assert not any(key[0] == doomed for key in kept)

    stats = (await any_api.get("/api/tasks/stats", headers=owner.headers)).json()
    assert stats["total"] == sum(counted.values())
    by_status: Counter[str] = Counter()
    for (_, status, _), n in counted.items():
        by_status[status] += n
    assert {s: n for s, n in stats["by_status"].items() if n} == dict(by_status)


async def test_overdue_counts_only_open_tasks_past_due(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    past, future = utcnow() - timedelta(hours=3), utcnow() + timedelta(hours=3)
    await insert_tasks(inbox, owner, 4, due_at=past)
    await insert_tasks(inbox, owner, 2, due_at=past, status="done")
    await insert_tasks(inbox, owner, 1, due_at=past, status="cancelled")
    await insert_tasks(inbox, owner, 3, due_at=future)
    await insert_tasks(inbox, owner, 5)
    stats = await any_api.get(f"/api/tasks/stats?project_id={inbox}", headers=owner.headers)
    assert stats.json()["overdue"] == 4
    assert stats.json()["total"] == 15


@pytest.mark.postgres
async def test_concurrent_creates_on_many_connections_are_all_counted(api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(api)
    await asyncio.gather(*(create_task(api, owner, inbox, priority="high") for _ in range(30)))
    kept, counted = await _counted([inbox])
    assert kept == counted == Counter({(inbox, "todo", "high"): 30})
    async with runtime.current().engine.connect() as conn:
        slots = await conn.scalar(
            select(func.count()).where(task_counts.c.project_id == inbox).select_from(task_counts)
        )
    assert slots is not None
    assert slots >= 1


@pytest.fixture
def fresh_database(run_id: str) -> Iterator[str]:
    with own_database(f"taskflow_counts_{run_id}_{uuid.uuid4().hex[:6]}") as url:
        yield url


def _seed(conn: psycopg.Connection[Any], statuses: list[str]) -> uuid.UUID:
    user, project = uuid.uuid4(), uuid.uuid4()
    conn.execute(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at)"
        " VALUES (%s, %s, 'Counts', 'x', now(), now())",
        (user, f"{user.hex}@example.com"),
    )
    conn.execute(
        "INSERT INTO projects (id, name, description, owner_id, is_inbox, created_at,"
        " updated_at) VALUES (%s, 'P', '', %s, false, now(), now())",
        (project, user),
    )
    for status in statuses:
        conn.execute(
            "INSERT INTO tasks (id, project_id, title, description, status, priority, labels,"
            " created_at, updated_at, version) VALUES (%s, %s, 't', '', %s, 'low', '[]',"
            " now(), now(), 1)",
            (uuid.uuid4(), project, status),
        )
    return project


def _kept(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute(
        "SELECT status, sum(n)::int FROM task_counts GROUP BY status HAVING sum(n) <> 0"
    ).fetchall()
    return dict(rows)


@pytest.mark.postgres
def test_the_migration_counts_the_tasks_already_there_and_truncate_empties_them(
    fresh_database: str,
) -> None:
    url = fresh_database.replace("postgresql://", "postgresql+psycopg://", 1)
    migrate.upgrade(url, "0005")
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        _seed(conn, ["todo", "todo", "done"])
    migrate.upgrade(url)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        assert _kept(conn) == {"todo": 2, "done": 1}
        _seed(conn, ["review"])
        assert _kept(conn) == {"todo": 2, "done": 1, "review": 1}
        conn.execute("TRUNCATE tasks CASCADE")
        assert _kept(conn) == {}
