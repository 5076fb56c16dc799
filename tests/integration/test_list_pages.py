"""Pages in every order, with each filter, hold exactly the rows a plain sort of the caller's
whole list gives, in that order, on both databases: through ties on every key, tasks without a
due date beside one due at the very last instant, the caller's several projects, and cursors.

(On PostgreSQL a page merges walks of per-project indexes; on SQLite it is one sorted SELECT.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert

from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.tables import tasks
from tests.integration.helpers_tasks import add_member, owner_with_inbox
from tests.support import User, signup

NOW = utcnow()
LAST_INSTANT = datetime.max.replace(tzinfo=UTC)
# Cycled through by task number: ties, no date, the last instant, past and future.
DUE = [None, NOW + timedelta(days=1), NOW + timedelta(days=1), LAST_INSTANT, None,
       NOW - timedelta(days=2), NOW + timedelta(days=30)]  # fmt: skip
STATUSES = ["todo", "in_progress", "review", "done", "cancelled"]
PRIORITIES = ["low", "medium", "high", "urgent"]
RANK = {p: n for n, p in enumerate(PRIORITIES)}
CLOSED = {"done", "cancelled"}
PER_PAGE = 7


@dataclass
class Tangle:
    owner: User
    helper: User
    projects: list[uuid.UUID]
    rows: list[dict[str, Any]]


async def _project(api: AsyncClient, owner: User, name: str) -> uuid.UUID:
    response = await api.post("/api/projects", json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


@pytest.fixture
async def tangle(any_api: AsyncClient) -> Tangle:
    owner, inbox = await owner_with_inbox(any_api)
    helper = await signup(any_api, "helper")
    projects = [
        inbox,
        await _project(any_api, owner, "Second"),
        await _project(any_api, owner, "Third"),
    ]
    await add_member(projects[1], helper, "editor")
    _, strangers = await owner_with_inbox(any_api, "stranger")
    rows = [
        {
            "id": uuid.uuid4(),
            "project_id": strangers if n % 10 == 9 else projects[n % 3],
            "title": f"t{n}",
            "description": "",
            "status": STATUSES[n % 5],
            "priority": PRIORITIES[(n // 2) % 4],
            "due_at": DUE[n % 7],
            "labels": [],
            "assignee_id": [owner.id, helper.id, None][n % 3],
            "creator_id": owner.id,
            "created_at": NOW + timedelta(microseconds=n // 4),  # ties, in fours
            "updated_at": NOW + timedelta(seconds=n % 6),
            "version": 1,
        }
        for n in range(100)
    ]
    async with runtime.current().engine.begin() as conn:
        await conn.execute(insert(tasks), rows)
    mine = [row for row in rows if row["project_id"] in projects]
    return Tangle(owner, helper, projects, mine)


def _key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, uuid.UUID]]:
    field = sort.removeprefix("-")

    def key(row: dict[str, Any]) -> tuple[Any, uuid.UUID]:
        if field == "priority":
            return RANK[row["priority"]], row["id"]
        if field == "due":
            return row["due_at"] or LAST_INSTANT, row["id"]
        return row[f"{field}_at"], row["id"]

    return key


def _overdue(row: dict[str, Any]) -> bool:
    return row["due_at"] is not None and row["due_at"] < utcnow() and row["status"] not in CLOSED


def _filters(t: Tangle) -> dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]]:
    """Each filter as the API is asked for it, and as a test of one row."""
    soon, start = NOW + timedelta(days=2), NOW
    return {
        "none": ({}, lambda r: True),
        "statuses": ({"status": ["todo", "review"]}, lambda r: r["status"] in {"todo", "review"}),
        "a status twice": ({"status": ["done", "done"]}, lambda r: r["status"] == "done"),
        "priority": ({"priority": ["high"]}, lambda r: r["priority"] == "high"),
        "mine": ({"assignee_id": str(t.owner.id)}, lambda r: r["assignee_id"] == t.owner.id),
        "helper's, open": (
            {"assignee_id": str(t.helper.id), "status": ["todo", "in_progress"]},
            lambda r: r["assignee_id"] == t.helper.id and r["status"] in {"todo", "in_progress"},
        ),
        "one project": (
            {"project_id": str(t.projects[1])},
            lambda r: r["project_id"] == t.projects[1],
        ),
        "overdue": ({"overdue": "true"}, _overdue),
        "not overdue": ({"overdue": "false"}, lambda r: not _overdue(r)),
        "due before": (
            {"due_before": soon.isoformat()},
            lambda r: r["due_at"] is not None and r["due_at"] < soon,
        ),
        "due after": (
            {"due_after": start.isoformat()},
            lambda r: r["due_at"] is not None and r["due_at"] > start,
        ),
    }


@pytest.mark.parametrize(
    "sort", ["created", "-created", "updated", "-updated", "due", "-due", "priority", "-priority"]
)
async def test_pages_hold_what_sorting_the_whole_list_gives(
    any_api: AsyncClient, tangle: Tangle, sort: str
) -> None:
    for name, (params, keep) in _filters(tangle).items():
        expected = sorted(
            (row for row in tangle.rows if keep(row)),
            key=_key(sort),
            reverse=sort.startswith("-"),
        )
        seen: list[uuid.UUID] = []
        cursor: str | None = None
        while True:
            query = {**params, "sort": sort, "limit": str(PER_PAGE)}
            if cursor:
                query["cursor"] = cursor
            response = await any_api.get("/api/tasks", params=query, headers=tangle.owner.headers)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [uuid.UUID(item["id"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(page["items"]) == PER_PAGE
        assert seen == [row["id"] for row in expected], name
