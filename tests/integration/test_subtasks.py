"""Subtasks: a parent in the same project, three levels at most, no cycles; the parent's counts
kept by the database (status changes, moves, deletes, cancelled ones left out); a task's
subtasks listed; deleting a parent deletes its whole subtree, each task with its own event."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from httpx import AsyncClient
from sqlalchemy import Connection, create_engine, insert, inspect, select, text
from sqlalchemy import event as sqlalchemy_event

from events import types
from events.models import TaskDeleted
from functions.core import migrate, runtime
from functions.core.clock import utcnow
from functions.core.database import sync_url
from functions.core.tables import projects, tasks, users
from tests.conftest import own_database
from tests.integration.helpers_watchers import make_team, new_task, task_events
from tests.integration.test_migrations import _schema_differences
from tests.support import User, assert_problem, create_project, share_project, signup


async def _task(api: AsyncClient, user: User, task_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/tasks/{task_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _counts(api: AsyncClient, user: User, task_id: str) -> tuple[int, int]:
    """(subtask_count, subtasks_done) of the task, as the API reads it."""
    task = await _task(api, user, task_id)
    return task["subtask_count"], task["subtasks_done"]


async def _patch(api: AsyncClient, user: User, task_id: str, **changes: Any) -> dict[str, Any]:
    response = await api.patch(f"/api/tasks/{task_id}", json=changes, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _refused_parent(response: Any, kind: str) -> None:
    body = assert_problem(response, 422)
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["parent_id"], kind)]


async def _recounted(project_id: str) -> None:
    """Every task's stored counts are what counting its subtasks gives."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    tasks.c.id,
                    tasks.c.parent_id,
                    tasks.c.status,
                    tasks.c.subtask_count,
                    tasks.c.subtasks_done,
                ).where(tasks.c.project_id == uuid.UUID(project_id))
            )
        ).all()
    stored = {row.id: (row.subtask_count, row.subtasks_done) for row in rows}
    counted = dict.fromkeys(stored, (0, 0))
    for row in rows:
        if row.parent_id is not None:
            total, done = counted[row.parent_id]
            counted[row.parent_id] = (
                total + (row.status != "cancelled"),
                done + (row.status == "done"),
            )
    assert stored == counted


async def test_a_subtask_created_under_a_task_shows_in_the_parents_counts(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    parent = await new_task(any_api, team.ana, team.project_id, title="Launch")
    assert (parent["parent_id"], parent["subtask_count"], parent["subtasks_done"]) == (None, 0, 0)

    child = await new_task(
        any_api, team.ben, team.project_id, title="Banner", parent_id=parent["id"]
    )

    assert child["parent_id"] == parent["id"]
    assert await _counts(any_api, team.cy, parent["id"]) == (1, 0)
    await new_task(any_api, team.ana, team.project_id, parent_id=parent["id"], status="done")
    assert await _counts(any_api, team.cy, parent["id"]) == (2, 1)
    listed = await any_api.get(
        f"/api/tasks?project_id={team.project_id}&limit=100", headers=team.ana.headers
    )
    shown = {t["id"]: (t["subtask_count"], t["subtasks_done"]) for t in listed.json()["items"]}
    assert shown[parent["id"]] == (2, 1)
    assert shown[child["id"]] == (0, 0)


async def test_the_counts_follow_status_changes_and_leave_cancelled_subtasks_out(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    parent = await new_task(any_api, team.ana, team.project_id)
    one, two, three = [
        await new_task(any_api, team.ana, team.project_id, parent_id=parent["id"]) for _ in range(3)
    ]
    assert await _counts(any_api, team.ana, parent["id"]) == (3, 0)

    await _patch(any_api, team.ben, one["id"], status="done")
    assert await _counts(any_api, team.ana, parent["id"]) == (3, 1)
    await _patch(any_api, team.ben, one["id"], status="in_progress")
    assert await _counts(any_api, team.ana, parent["id"]) == (3, 0)
    await _patch(any_api, team.ben, two["id"], status="cancelled")
    assert await _counts(any_api, team.ana, parent["id"]) == (2, 0)
    await _patch(any_api, team.ben, one["id"], status="done")
    await _patch(any_api, team.ben, one["id"], status="cancelled")  # done, then left out
    assert await _counts(any_api, team.ana, parent["id"]) == (1, 0)
    await _patch(any_api, team.ben, two["id"], status="done")  # back in, done
    assert await _counts(any_api, team.ana, parent["id"]) == (2, 1)

    bulk = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [one["id"], two["id"], three["id"]], "set": {"status": "done"}},
        headers=team.ana.headers,
    )
    assert bulk.status_code == 200, bulk.text
    assert await _counts(any_api, team.ana, parent["id"]) == (3, 3)
    await _recounted(team.project_id)


async def test_moving_a_subtask_moves_its_count_and_detaching_it_makes_it_a_task_again(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    first = await new_task(any_api, team.ana, team.project_id, title="First")
    second = await new_task(any_api, team.ana, team.project_id, title="Second")
    child = await new_task(any_api, team.ana, team.project_id, parent_id=first["id"], status="done")

    moved = await _patch(any_api, team.ben, child["id"], parent_id=second["id"])
    assert moved["parent_id"] == second["id"]
    assert await _counts(any_api, team.ana, first["id"]) == (0, 0)
    assert await _counts(any_api, team.ana, second["id"]) == (1, 1)

    detached = await _patch(any_api, team.ben, child["id"], parent_id=None)
    assert detached["parent_id"] is None
    assert await _counts(any_api, team.ana, second["id"]) == (0, 0)
    # The change is an `updated` naming parent_id, with the parent it had.
    updated = [e for e in await task_events(child["id"]) if e["type"] == types.TASK_UPDATED]
    assert [e.get_data()["changed"] for e in updated] == [["parent_id"], ["parent_id"]]
    assert updated[-1].get_data()["previous"]["parent_id"] == second["id"]
    await _recounted(team.project_id)


async def test_deleting_a_subtask_takes_it_off_its_parents_counts(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    parent = await new_task(any_api, team.ana, team.project_id)
    done = await new_task(any_api, team.ana, team.project_id, parent_id=parent["id"], status="done")
    await new_task(any_api, team.ana, team.project_id, parent_id=parent["id"])

    deleted = await any_api.delete(f"/api/tasks/{done['id']}", headers=team.ben.headers)

    assert deleted.status_code == 204, deleted.text
    assert await _counts(any_api, team.ana, parent["id"]) == (1, 0)


async def _deleted_events(task_id: str) -> list[TaskDeleted]:
    """The data of each task.deleted event about the task (checked to be in its project)."""
    found = []
    for event in await task_events(task_id):
        if event["type"] == types.TASK_DELETED:
            data = TaskDeleted.model_validate(event.get_data())
            assert str(data.task.id) == task_id
            assert event[types.PROJECT_ID] == str(data.task.project_id)
            found.append(data)
    return found


async def test_deleting_a_task_deletes_its_whole_subtree_with_an_event_for_each(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    root = await new_task(any_api, team.ana, team.project_id, title="Root")
    # Ben created this one, and Cy is assigned its subtask: each is told of their own.
    child = await new_task(any_api, team.ben, team.project_id, parent_id=root["id"])
    grandchild = await new_task(
        any_api, team.ana, team.project_id, parent_id=child["id"], assignee_id=str(team.cy.id)
    )
    sibling = await new_task(any_api, team.ana, team.project_id, parent_id=root["id"])
    other = await new_task(any_api, team.ana, team.project_id, title="Unrelated")
    assert await _counts(any_api, team.ana, root["id"]) == (2, 0)

    # A subtask with one of its own: both go, and the root counts one subtask less.
    deleted = await any_api.delete(f"/api/tasks/{child['id']}", headers=team.ana.headers)
    assert deleted.status_code == 204, deleted.text
    assert await _counts(any_api, team.ana, root["id"]) == (1, 0)
    [of_child] = await _deleted_events(child["id"])
    [of_grandchild] = await _deleted_events(grandchild["id"])
    assert set(of_child.watcher_ids) == {team.ben.id}
    assert set(of_grandchild.watcher_ids) == {team.ana.id, team.cy.id}
    assert str(of_grandchild.task.parent_id) == child["id"]

    deleted = await any_api.delete(f"/api/tasks/{root['id']}", headers=team.ana.headers)
    assert deleted.status_code == 204, deleted.text
    for task in (root, child, sibling, grandchild):
        gone = await any_api.get(f"/api/tasks/{task['id']}", headers=team.ana.headers)
        assert_problem(gone, 404)
        assert len(await _deleted_events(task["id"])) == 1
    assert (await _task(any_api, team.ana, other["id"]))["title"] == "Unrelated"
    await _recounted(team.project_id)


async def test_a_parent_must_be_a_task_of_the_same_project_the_caller_may_read(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    elsewhere = await create_project(any_api, team.ana, "Elsewhere")
    foreign = await new_task(any_api, team.ana, elsewhere["id"])
    outsider = await signup(any_api, "outsider")
    hidden = await new_task(any_api, outsider, str((await create_project(any_api, outsider))["id"]))
    task = await new_task(any_api, team.ana, team.project_id)

    for parent_id in (foreign["id"], hidden["id"], str(uuid.uuid4())):
        created = await any_api.post(
            "/api/tasks",
            json={"project_id": team.project_id, "title": "Sub", "parent_id": parent_id},
            headers=team.ana.headers,
        )
        _refused_parent(created, "parent")
        moved = await any_api.patch(
            f"/api/tasks/{task['id']}", json={"parent_id": parent_id}, headers=team.ana.headers
        )
        _refused_parent(moved, "parent")
    # The refusal says nothing of whether a task of another project exists.
    assert created.json()["detail"] == moved.json()["detail"] == "no such task in this project"
    assert (await _task(any_api, team.ana, task["id"]))["parent_id"] is None


async def test_a_task_cannot_be_its_own_parent_or_under_its_own_subtasks(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    top = await new_task(any_api, team.ana, team.project_id)
    middle = await new_task(any_api, team.ana, team.project_id, parent_id=top["id"])
    bottom = await new_task(any_api, team.ana, team.project_id, parent_id=middle["id"])

    for parent in (top, middle, bottom):
        response = await any_api.patch(
            f"/api/tasks/{top['id']}", json={"parent_id": parent["id"]}, headers=team.ana.headers
        )
        _refused_parent(response, "cycle")
    itself = await any_api.patch(
        f"/api/tasks/{middle['id']}", json={"parent_id": middle["id"]}, headers=team.ana.headers
    )
    _refused_parent(itself, "cycle")
    assert (await _task(any_api, team.ana, top["id"]))["parent_id"] is None
    # Where it is already is allowed: nothing about the tree changes.
    same = await _patch(any_api, team.ana, bottom["id"], parent_id=middle["id"])
    assert same["parent_id"] == middle["id"]


async def test_subtasks_nest_three_levels_deep_at_most(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    top = await new_task(any_api, team.ana, team.project_id)
    middle = await new_task(any_api, team.ana, team.project_id, parent_id=top["id"])
    bottom = await new_task(any_api, team.ana, team.project_id, parent_id=middle["id"])

    too_deep = await any_api.post(
        "/api/tasks",
        json={"project_id": team.project_id, "title": "Fourth", "parent_id": bottom["id"]},
        headers=team.ana.headers,
    )
    _refused_parent(too_deep, "depth")

    # A task with a subtask of its own is two levels: it fits under a top task, not deeper.
    pair = await new_task(any_api, team.ana, team.project_id, title="Pair")
    await new_task(any_api, team.ana, team.project_id, parent_id=pair["id"])
    refused = await any_api.patch(
        f"/api/tasks/{pair['id']}", json={"parent_id": middle["id"]}, headers=team.ana.headers
    )
    _refused_parent(refused, "depth")
    fits = await _patch(any_api, team.ana, pair["id"], parent_id=top["id"])
    assert fits["parent_id"] == top["id"]
    # And a whole three-level tree fits under nothing else.
    refused = await any_api.patch(
        f"/api/tasks/{top['id']}", json={"parent_id": pair["id"]}, headers=team.ana.headers
    )
    _refused_parent(refused, "cycle")
    loner = await new_task(any_api, team.ana, team.project_id)
    refused = await any_api.patch(
        f"/api/tasks/{top['id']}", json={"parent_id": loner["id"]}, headers=team.ana.headers
    )
    _refused_parent(refused, "depth")


async def test_the_parent_id_filter_lists_a_tasks_subtasks_to_its_members_only(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    parent = await new_task(any_api, team.ana, team.project_id)
    subtasks = [
        await new_task(
            any_api, team.ana, team.project_id, title=f"Step {n}", parent_id=parent["id"]
        )
        for n in range(5)
    ]
    await new_task(any_api, team.ana, team.project_id, parent_id=subtasks[0]["id"])  # deeper
    await new_task(any_api, team.ana, team.project_id, title="Not a subtask")
    await _patch(any_api, team.ana, subtasks[1]["id"], status="done")

    def titles(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()["items"]]

    url = f"/api/tasks?parent_id={parent['id']}"
    listed = await any_api.get(f"{url}&sort=created", headers=team.cy.headers)
    assert titles(listed) == [f"Step {n}" for n in range(5)]
    done = await any_api.get(f"{url}&status=done", headers=team.cy.headers)
    assert titles(done) == ["Step 1"]
    # Paged like any list.
    first = await any_api.get(f"{url}&sort=created&limit=3", headers=team.cy.headers)
    assert titles(first) == ["Step 0", "Step 1", "Step 2"]
    cursor = first.json()["next_cursor"]
    rest = await any_api.get(f"{url}&sort=created&limit=3&cursor={cursor}", headers=team.cy.headers)
    assert titles(rest) == ["Step 3", "Step 4"]
    assert rest.json()["next_cursor"] is None
    in_project = await any_api.get(
        f"{url}&project_id={team.project_id}&sort=-created", headers=team.ana.headers
    )
    assert titles(in_project) == [f"Step {n}" for n in reversed(range(5))]

    # Someone outside the project, or a task that is not there: no such task.
    assert_problem(await any_api.get(url, headers=team.dee.headers), 404)
    missing = await any_api.get(f"/api/tasks?parent_id={uuid.uuid4()}", headers=team.ana.headers)
    assert_problem(missing, 404)


async def test_a_viewer_reads_the_subtasks_but_cannot_add_one(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    await share_project(any_api, team.ana, team.project_id, team.dee, role="viewer")
    parent = await new_task(any_api, team.ana, team.project_id)
    await new_task(any_api, team.ana, team.project_id, parent_id=parent["id"])

    listed = await any_api.get(f"/api/tasks?parent_id={parent['id']}", headers=team.dee.headers)
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 1
    refused = await any_api.post(
        "/api/tasks",
        json={"project_id": team.project_id, "title": "Mine", "parent_id": parent["id"]},
        headers=team.dee.headers,
    )
    assert_problem(refused, 403)
    assert await _counts(any_api, team.dee, parent["id"]) == (1, 0)


@pytest.mark.postgres
async def test_concurrent_moves_cannot_make_a_cycle(api: AsyncClient) -> None:
    team = await make_team(api)
    one = await new_task(api, team.ana, team.project_id)
    two = await new_task(api, team.ana, team.project_id)

    moves = await asyncio.gather(
        api.patch(
            f"/api/tasks/{one['id']}", json={"parent_id": two["id"]}, headers=team.ana.headers
        ),
        api.patch(
            f"/api/tasks/{two['id']}", json={"parent_id": one["id"]}, headers=team.ben.headers
        ),
    )

    assert sorted(m.status_code for m in moves) == [200, 422]
    parents = {
        task["id"]: (await _task(api, team.ana, task["id"]))["parent_id"] for task in (one, two)
    }
    assert list(parents.values()).count(None) == 1
    await _recounted(team.project_id)


@pytest.mark.postgres
async def test_a_subtask_added_while_its_parent_is_deleted_is_refused_or_deleted_with_an_event(
    api: AsyncClient,
) -> None:
    team = await make_team(api)
    for _ in range(5):
        parent = await new_task(api, team.ana, team.project_id)
        deleted, created = await asyncio.gather(
            api.delete(f"/api/tasks/{parent['id']}", headers=team.ana.headers),
            api.post(
                "/api/tasks",
                json={"project_id": team.project_id, "title": "Late", "parent_id": parent["id"]},
                headers=team.ben.headers,
            ),
        )
        assert deleted.status_code == 204, deleted.text
        if created.status_code == 422:
            _refused_parent(created, "parent")
            continue
        # Made first: it went with its parent, and said so.
        assert created.status_code == 201, created.text
        late = created.json()["id"]
        assert_problem(await api.get(f"/api/tasks/{late}", headers=team.ana.headers), 404)
        assert [e["type"] for e in await task_events(late)][-1] == types.TASK_DELETED


# Straight to the tables, on a database of the test's own: the triggers of migration 0009 keep
# the counts whatever writes the rows, several rows a statement; and 0009 goes down and up.


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"])
def fresh_url(request: pytest.FixtureRequest, run_id: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (its SQLAlchemy URL): PostgreSQL, then an embedded SQLite file."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
        return
    with own_database(f"taskflow_subtasks_{run_id}_{uuid.uuid4().hex[:6]}") as url:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)


@contextmanager
def _connected(url: str) -> Iterator[Connection]:
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":
        # As the app's connections are: cascades need the foreign keys on.
        sqlalchemy_event.listen(
            engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON")
        )
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _project(conn: Connection) -> uuid.UUID:
    now = utcnow()
    user_id, project_id = uuid.uuid4(), uuid.uuid4()
    conn.execute(
        insert(users).values(
            id=user_id,
            email=f"{user_id.hex}@example.com",
            display_name="Counts",
            password_hash="x",
            created_at=now,
            updated_at=now,
        )
    )
    conn.execute(
        insert(projects).values(
            id=project_id, name="Counts", owner_id=user_id, created_at=now, updated_at=now
        )
    )
    return project_id


def _rows(project_id: uuid.UUID, *specs: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    """Task rows named by title: (title, status, parent's title); ids from the titles."""
    now = utcnow()
    return [
        {
            "id": _id(title),
            "project_id": project_id,
            "title": title,
            "description": "",
            "status": status,
            "priority": "medium",
            "labels": [],
            "parent_id": None if parent is None else _id(parent),
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for title, status, parent in specs
    ]


def _id(title: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"subtasks/{title}")


def _stored_and_counted(conn: Connection) -> dict[str, tuple[int, int]]:
    """Each task's stored counts, by title, after checking them against a count."""
    rows = conn.execute(
        select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.parent_id,
            tasks.c.status,
            tasks.c.subtask_count,
            tasks.c.subtasks_done,
        )
    ).all()
    counted = {row.id: [0, 0] for row in rows}
    for row in rows:
        if row.parent_id is not None:
            counted[row.parent_id][0] += row.status != "cancelled"
            counted[row.parent_id][1] += row.status == "done"
    stored = {row.title: (row.subtask_count, row.subtasks_done) for row in rows}
    assert stored == {row.title: tuple(counted[row.id]) for row in rows}
    return stored


def test_the_triggers_keep_the_counts_of_rows_written_straight_and_many_at_a_time(
    fresh_url: str,
) -> None:
    migrate.upgrade(fresh_url)
    with _connected(fresh_url) as conn:
        project_id = _project(conn)
        conn.execute(
            insert(tasks).values(
                _rows(project_id, ("top", "todo", None), ("left", "todo", None))
                + _rows(project_id, ("right", "todo", None), ("mid", "todo", "top"))
            )
        )
        # Five subtasks of three parents in one statement.
        conn.execute(
            insert(tasks).values(
                _rows(
                    project_id,
                    ("a", "todo", "left"),
                    ("b", "done", "left"),
                    ("c", "cancelled", "left"),
                    ("d", "done", "right"),
                    ("e", "todo", "mid"),
                )
            )
        )
        counts = _stored_and_counted(conn)
        assert [counts[t] for t in ("top", "left", "right", "mid")] == [
            (1, 0),
            (2, 1),
            (1, 1),
            (1, 0),
        ]

        def update(titles: list[str], **values: Any) -> None:
            conn.execute(
                tasks.update().where(tasks.c.id.in_([_id(t) for t in titles])).values(**values)
            )

        update(["a", "e"], status="done")
        assert _stored_and_counted(conn)["mid"] == (1, 1)
        update(["a", "b", "c"], parent_id=_id("right"))  # all of left's, moved
        counts = _stored_and_counted(conn)
        assert (counts["left"], counts["right"]) == ((0, 0), (3, 3))
        update(["c", "d"], parent_id=_id("left"), status="cancelled")  # moved and cancelled
        counts = _stored_and_counted(conn)
        assert (counts["left"], counts["right"]) == ((0, 0), (2, 2))
        update(["c"], status="in_progress")
        assert _stored_and_counted(conn)["left"] == (1, 0)
        update(["a", "b", "c", "d", "e"], parent_id=None)
        assert set(_stored_and_counted(conn).values()) == {(0, 0), (1, 0)}  # only top's mid

        update(["a", "b"], parent_id=_id("mid"))
        conn.execute(tasks.delete().where(tasks.c.id.in_([_id("a"), _id("left")])))
        assert _stored_and_counted(conn)["mid"] == (1, 1)
        # A parent deleted takes its subtasks, and its own parent counts one less.
        conn.execute(tasks.delete().where(tasks.c.id == _id("mid")))
        counts = _stored_and_counted(conn)
        assert counts["top"] == (0, 0)
        assert "b" not in counts


def test_migration_0009_goes_down_and_up_again_keeping_the_task_counts(fresh_url: str) -> None:
    migrate.upgrade(fresh_url)
    with _connected(fresh_url) as conn:
        project_id = _project(conn)
        conn.execute(
            insert(tasks).values(
                _rows(project_id, ("parent", "todo", None), ("child", "done", "parent"))
            )
        )

    command.downgrade(migrate.alembic_config(fresh_url), "0008")
    with _connected(fresh_url) as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("tasks")}
        assert not {"parent_id", "subtask_count", "recurrence"} & columns
        assert not {"task_relations", "attachments", "reminders", "calendar_feeds"} & set(
            inspect(conn).get_table_names()
        )
        # The tasks stay, and so do the project counts' triggers (SQLite copied the table).
        conn.execute(
            text(
                "INSERT INTO tasks (id, project_id, title, description, status, priority,"
                " labels, created_at, updated_at, version) VALUES (:id, :project, 'after',"
                " '', 'review', 'low', '[]', :now, :now, 1)"
            ),
            {
                "id": _id("after") if conn.dialect.name == "postgresql" else _id("after").hex,
                "project": project_id if conn.dialect.name == "postgresql" else project_id.hex,
                "now": utcnow(),
            },
        )
        assert _by_status(conn) == {"todo": 1, "done": 1, "review": 1}

    migrate.upgrade(fresh_url)
    assert _schema_differences(fresh_url) == []
    with _connected(fresh_url) as conn:
        conn.execute(insert(tasks).values(_rows(project_id, ("again", "done", "after"))))
        counts = _stored_and_counted(conn)
        assert (counts["parent"], counts["after"]) == ((0, 0), (1, 1))
        assert _by_status(conn) == {"todo": 1, "done": 2, "review": 1}


def _by_status(conn: Connection) -> dict[str, int]:
    """The project counts (migration 0006's task_counts), by status."""
    counted = conn.execute(
        text("SELECT status, sum(n) FROM task_counts GROUP BY status HAVING sum(n) <> 0")
    ).all()
    return {status: int(n) for status, n in counted}
