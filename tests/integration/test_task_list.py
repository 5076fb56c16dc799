"""Listing tasks: every filter and sort, keyset pages, search, limits, stats."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import ClauseElement, Executable, Select, insert, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from functions.core import migrate
from functions.core.clock import utcnow
from functions.core.models.tasks import TaskListQuery
from functions.core.pagination import encode_cursor
from functions.core.queries.tasks import list_statement
from functions.core.tables import project_members, projects, tasks, users
from tests.conftest import own_database
from tests.integration.helpers_tasks import (
    add_member,
    create_task,
    insert_tasks,
    owner_with_inbox,
)
from tests.support import User, assert_problem, signup

NOW = utcnow()
NOW_Q = NOW.isoformat().replace("+", "%2B")
PAST = (NOW - timedelta(days=2)).isoformat()
SOON = (NOW + timedelta(days=1)).isoformat()
LATER = (NOW + timedelta(days=30)).isoformat()


@dataclass
class Board:
    """One user's Inbox with a known set of tasks, by title."""

    owner: User
    helper: User
    project_id: uuid.UUID
    tasks: dict[str, dict[str, Any]]

    async def titles(self, api: AsyncClient, query: str) -> list[str]:
        response = await api.get(
            f"/api/tasks?project_id={self.project_id}&limit=100&{query}",
            headers=self.owner.headers,
        )
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()["items"]]


@pytest.fixture
async def board(any_api: AsyncClient) -> Board:
    owner, inbox = await owner_with_inbox(any_api)
    helper = await signup(any_api, "helper")
    await add_member(inbox, helper, "editor")
    specs: list[dict[str, Any]] = [
        {"title": "Pay the invoice", "priority": "urgent", "due_at": PAST, "labels": ["money"]},
        {"title": "Plan the offsite", "status": "in_progress", "due_at": SOON},
        {"title": "Review 100% of the budget", "status": "review", "labels": ["money", "q3"]},
        {"title": "Ship it", "status": "done", "priority": "high", "due_at": PAST},
        {"title": "Old idea", "status": "cancelled", "priority": "low", "due_at": PAST},
        {"title": "Call the bank", "priority": "high", "due_at": LATER,
         "assignee_id": str(helper.id), "description": "About the invoice"},
        {"title": "Water_plants", "priority": "low"},
    ]  # fmt: skip
    made = {s["title"]: await create_task(any_api, owner, inbox, **s) for s in specs}
    return Board(owner, helper, inbox, made)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=todo", {"Pay the invoice", "Call the bank", "Water_plants"}),
        ("status=review&status=done", {"Review 100% of the budget", "Ship it"}),
        ("priority=low", {"Old idea", "Water_plants"}),
        ("priority=urgent&priority=high", {"Pay the invoice", "Ship it", "Call the bank"}),
        ("label=money", {"Pay the invoice", "Review 100% of the budget"}),
        ("label=MONEY&label=q3", None),  # a label is single-valued: two of them is a 422
        ("label=nothing", set()),
        ("overdue=true", {"Pay the invoice"}),
        ("due_after=" + NOW_Q, {"Plan the offsite", "Call the bank"}),
        ("due_before=" + NOW_Q, {"Pay the invoice", "Ship it", "Old idea"}),
        ("q=invoice", {"Pay the invoice", "Call the bank"}),
        ("q=invoice&status=in_progress", set()),
        ("status=todo&priority=high&due_after=" + PAST.replace("+", "%2B"), {"Call the bank"}),
        ("unassigned=false", {"Call the bank"}),
        ("unassigned=true&priority=high", {"Ship it"}),
        ("no_due_date=true", {"Review 100% of the budget", "Water_plants"}),
        ("no_due_date=true&sort=due", {"Review 100% of the budget", "Water_plants"}),
        ("no_due_date=false&priority=low&sort=-due", {"Old idea"}),
        ("no_due_date=true&unassigned=true&label=q3", {"Review 100% of the budget"}),
        ("no_due_date=true&q=plants", {"Water_plants"}),
        ("unassigned=maybe", None),
        ("open=false", {"Ship it", "Old idea"}),
        ("open=false&sort=-due", {"Ship it", "Old idea"}),
        ("open=true&sort=priority&priority=low", {"Water_plants"}),
        ("open=true&status=done", set()),
    ],
)  # fmt: skip
async def test_each_filter_selects_exactly_its_tasks(
    any_api: AsyncClient, board: Board, query: str, expected: set[str] | None
) -> None:
    if expected is None:
        response = await any_api.get(f"/api/tasks?{query}", headers=board.owner.headers)
        assert_problem(response, 422)
        return
    assert set(await board.titles(any_api, query)) == expected


async def test_not_overdue_is_everything_else(any_api: AsyncClient, board: Board) -> None:
    titles = set(await board.titles(any_api, "overdue=false"))
    assert titles == set(board.tasks) - {"Pay the invoice"}


async def test_tasks_filter_by_assignee(any_api: AsyncClient, board: Board) -> None:
    assert await board.titles(any_api, f"assignee_id={board.helper.id}") == ["Call the bank"]


async def test_like_wildcards_in_a_search_are_matched_literally(
    any_api: AsyncClient, board: Board
) -> None:
    assert await board.titles(any_api, "q=100%25") == ["Review 100% of the budget"]
    # On SQLite "_" would otherwise match any character; PostgreSQL splits words on it.
    assert "Water_plants" in await board.titles(any_api, "q=water_plants")
    assert await board.titles(any_api, "q=r_view") == []
    assert await board.titles(any_api, "q=%20%20") == await board.titles(any_api, "")


async def test_without_a_project_the_list_spans_every_project_of_the_caller(
    any_api: AsyncClient, board: Board
) -> None:
    other, other_inbox = await owner_with_inbox(any_api, "other")
    await add_member(other_inbox, board.helper, "viewer")
    shared = await create_task(any_api, other, other_inbox, title="Shared with helper")
    stranger, stranger_inbox = await owner_with_inbox(any_api, "stranger")
    await create_task(any_api, stranger, stranger_inbox, title="Private to the stranger")
    response = await any_api.get("/api/tasks?limit=100", headers=board.helper.headers)
    titles = {t["title"] for t in response.json()["items"]}
    assert titles == set(board.tasks) | {shared["title"]}


async def test_unassigned_is_everything_nobody_holds(any_api: AsyncClient, board: Board) -> None:
    titles = set(await board.titles(any_api, "unassigned=true"))
    assert titles == set(board.tasks) - {"Call the bank"}


@pytest.mark.parametrize("sort", ["created", "-created", "due", "-updated"])
async def test_open_tasks_are_those_not_done_or_cancelled_in_the_lists_order(
    any_api: AsyncClient, board: Board, sort: str
) -> None:
    closed = {"Ship it", "Old idea"}
    expected = [t for t in _expected_order(board, sort) if t not in closed]
    assert await board.titles(any_api, f"sort={sort}&open=true") == expected


@pytest.mark.parametrize("sort", ["due", "-due", "-created", "priority"])
async def test_with_and_without_a_due_date_split_the_list_in_its_order(
    any_api: AsyncClient, board: Board, sort: str
) -> None:
    expected = _expected_order(board, sort)
    undated = await board.titles(any_api, f"sort={sort}&no_due_date=true")
    dated = await board.titles(any_api, f"sort={sort}&no_due_date=false")
    assert undated == [t for t in expected if board.tasks[t]["due_at"] is None]
    assert dated == [t for t in expected if board.tasks[t]["due_at"] is not None]


async def test_my_work_filters_span_every_project_of_the_caller(
    any_api: AsyncClient, board: Board
) -> None:
    other, other_inbox = await owner_with_inbox(any_api, "other")
    await add_member(other_inbox, board.helper, "editor")
    mine = await create_task(
        any_api, other, other_inbox, title="Helper's, no date", assignee_id=str(board.helper.id)
    )
    loose = await create_task(any_api, other, other_inbox, title="Nobody's", due_at=SOON)

    async def titles(query: str) -> set[str]:
        response = await any_api.get(f"/api/tasks?limit=100&{query}", headers=board.helper.headers)
        assert response.status_code == 200, response.text
        return {t["title"] for t in response.json()["items"]}

    me = board.helper.id
    assert await titles(f"assignee_id={me}") == {"Call the bank", mine["title"]}
    assert await titles(f"assignee_id={me}&no_due_date=true&sort=due") == {mine["title"]}
    assert await titles(f"assignee_id={me}&no_due_date=false") == {"Call the bank"}
    unassigned = await titles("unassigned=true&no_due_date=false&sort=due")
    assert unassigned == {
        "Pay the invoice",
        "Plan the offsite",
        "Ship it",
        "Old idea",
        loose["title"],
    }


async def test_pages_of_tasks_without_a_due_date_follow_one_another(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await insert_tasks(inbox, owner, 9)
    await insert_tasks(inbox, owner, 4, due_at=NOW)
    for sort in ("due", "-due"):
        seen: list[str] = []
        cursor = ""
        while True:
            response = await any_api.get(
                f"/api/tasks?no_due_date=true&sort={sort}&limit=4{cursor}", headers=owner.headers
            )
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [t["id"] for t in page["items"]]
            if page["next_cursor"] is None:
                break
            cursor = f"&cursor={page['next_cursor']}"
        assert len(seen) == len(set(seen)) == 9


def _expected_order(board: Board, sort: str) -> list[str]:
    rank = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
    far = datetime.max.replace(tzinfo=UTC)

    def key(task: dict[str, Any]) -> tuple[Any, uuid.UUID]:
        field = sort.removeprefix("-")
        value: Any
        if field == "priority":
            value = rank[task["priority"]]
        elif field == "due":
            value = datetime.fromisoformat(task["due_at"]) if task["due_at"] else far
        else:
            value = datetime.fromisoformat(task[f"{field}_at"])
        return (value, uuid.UUID(task["id"]))

    ordered = sorted(board.tasks.values(), key=key, reverse=sort.startswith("-"))
    return [t["title"] for t in ordered]


@pytest.mark.parametrize(
    "sort", ["created", "-created", "updated", "-updated", "due", "-due", "priority", "-priority"]
)
async def test_each_sort_orders_the_tasks_with_the_id_breaking_ties(
    any_api: AsyncClient, board: Board, sort: str
) -> None:
    titles = await board.titles(any_api, f"sort={sort}")
    assert titles == _expected_order(board, sort)
    if sort == "due":
        assert titles[-2:] == sorted(titles[-2:], key=lambda t: board.tasks[t]["id"])
        assert {board.tasks[t]["due_at"] for t in titles[-2:]} == {None}


async def test_the_default_order_is_newest_first(any_api: AsyncClient, board: Board) -> None:
    assert await board.titles(any_api, "") == _expected_order(board, "-created")


async def _pages(
    api: AsyncClient, user: User, project_id: uuid.UUID, sort: str, between: Any
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"project_id": str(project_id), "sort": sort, "limit": "7"}
        if cursor:
            params["cursor"] = cursor
        response = await api.get("/api/tasks", params=params, headers=user.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 7
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        await between()


@pytest.mark.parametrize("sort", ["-created", "created", "priority", "-due", "updated"])
async def test_pages_never_skip_or_repeat_a_task_while_tasks_are_being_added(
    any_api: AsyncClient, sort: str
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    priorities = ["low", "medium", "high", "urgent"]
    originals = {
        (await create_task(
            any_api, owner, inbox, title=f"t{n}", priority=priorities[n % 4],
            due_at=(NOW + timedelta(days=n % 3)).isoformat() if n % 2 else None,
        ))["id"]
        for n in range(24)
    }  # fmt: skip
    added: list[str] = []

    async def add_two() -> None:
        for _ in range(2):
            task = await create_task(any_api, owner, inbox, title="late", priority="medium")
            added.append(task["id"])

    seen = await _pages(any_api, owner, inbox, sort, add_two)
    assert len(seen) == len(set(seen)), "a task appeared twice"
    assert originals <= set(seen), "a task was skipped"
    assert set(seen) <= originals | set(added)
    assert added, "tasks were added between pages"


async def test_a_limit_beyond_the_maximum_is_clamped_to_100(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await insert_tasks(inbox, owner, 105)
    page = (await any_api.get("/api/tasks?limit=100000", headers=owner.headers)).json()
    assert len(page["items"]) == 100
    assert page["next_cursor"] is not None
    rest = await any_api.get(
        "/api/tasks", params={"cursor": page["next_cursor"]}, headers=owner.headers
    )
    assert len(rest.json()["items"]) == 5
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "-3"])
async def test_a_limit_below_one_is_raised_to_one(any_api: AsyncClient, limit: str) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await create_task(any_api, owner, inbox, title="a")
    await create_task(any_api, owner, inbox, title="b")
    page = (await any_api.get(f"/api/tasks?limit={limit}", headers=owner.headers)).json()
    assert [t["title"] for t in page["items"]] == ["b"]
    assert page["next_cursor"] is not None


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "priority=extreme",
        "due_before=notadate",
        "due_after=2030-01-01T00:00:00",  # no offset: ambiguous
        "overdue=maybe",
        "sort=title",
        "limit=many",
        "project_id=42",
        "assignee_id=nobody",
        "cursor=not*a*cursor",  # outside the base64url alphabet
        "q=" + "x" * 201,
        "page=2",
        "q=a%00b",
        "label=a%00",
    ],
)  # fmt: skip
async def test_malformed_list_queries_are_422(any_api: AsyncClient, query: str) -> None:
    owner = await signup(any_api)
    response = await any_api.get(f"/api/tasks?{query}", headers=owner.headers)
    assert_problem(response, 422)


# Well-formed cursors this list never gave out name no page: a 404, as an unknown id does.
@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=" + encode_cursor("created", [NOW, uuid.uuid4()]),  # from another sort
        "sort=created&cursor=" + encode_cursor("created", ["yesterday", str(uuid.uuid4())]),
        "sort=created&cursor=" + encode_cursor("created", [NOW.replace(tzinfo=None), uuid.uuid4()]),
        "sort=priority&cursor=" + encode_cursor("priority", [10**30, uuid.uuid4()]),
        "sort=priority&cursor=" + encode_cursor("priority", [True, uuid.uuid4()]),
    ],
)  # fmt: skip
async def test_cursors_the_list_never_gave_out_are_404(any_api: AsyncClient, query: str) -> None:
    owner = await signup(any_api)
    response = await any_api.get(f"/api/tasks?{query}", headers=owner.headers)
    assert_problem(response, 404)


async def test_listing_a_project_you_are_not_in_is_404(any_api: AsyncClient) -> None:
    owner = await signup(any_api)
    _, other_inbox = await owner_with_inbox(any_api, "other")
    for path in ("/api/tasks", "/api/tasks/stats"):
        response = await any_api.get(f"{path}?project_id={other_inbox}", headers=owner.headers)
        assert_problem(response, 404)


async def test_stats_count_tasks_by_status_and_priority(any_api: AsyncClient, board: Board) -> None:
    response = await any_api.get(
        f"/api/tasks/stats?project_id={board.project_id}", headers=board.owner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "total": 7,
        "by_status": {"todo": 3, "in_progress": 1, "review": 1, "done": 1, "cancelled": 1},
        "by_priority": {"low": 2, "medium": 2, "high": 2, "urgent": 1},
        "overdue": 1,
    }


async def test_stats_without_a_project_span_only_the_callers_projects(
    any_api: AsyncClient, board: Board
) -> None:
    other, other_inbox = await owner_with_inbox(any_api, "other")
    await create_task(any_api, other, other_inbox, status="done")
    mine = (await any_api.get("/api/tasks/stats", headers=board.owner.headers)).json()
    assert mine["total"] == 7
    theirs = (await any_api.get("/api/tasks/stats", headers=other.headers)).json()
    assert theirs["total"] == 1
    assert theirs["by_status"]["done"] == 1


async def test_stats_of_a_user_without_tasks_are_all_zero(any_api: AsyncClient) -> None:
    owner = await signup(any_api)
    stats = (await any_api.get("/api/tasks/stats", headers=owner.headers)).json()
    assert stats["total"] == stats["overdue"] == 0
    assert set(stats["by_status"].values()) == set(stats["by_priority"].values()) == {0}


async def test_search_finds_a_word_by_its_stem(api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(api)
    await create_task(api, owner, inbox, title="Run the migration")
    await create_task(api, owner, inbox, title="Walk", description="The runners meet at nine")
    await create_task(api, owner, inbox, title="Rust the gate")
    response = await api.get("/api/tasks?q=running&sort=created", headers=owner.headers)
    assert [t["title"] for t in response.json()["items"]] == ["Run the migration"]
    websearch = await api.get('/api/tasks?q="the gate" or runners', headers=owner.headers)
    assert {t["title"] for t in websearch.json()["items"]} == {"Rust the gate", "Walk"}


class Explain(Executable, ClauseElement):
    """EXPLAIN of a statement, with its parameters bound as the statement's own would be."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN " + compiler.process(element.statement, **kw)


@pytest.fixture(scope="module")
def plan_database(run_id: str) -> Iterator[str]:
    """A database of this test's own: a join's estimate uses the table's average project size,
    which on the shared database is whatever other tests left behind."""
    with own_database(f"taskflow_search_plan_{run_id}") as url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        migrate.upgrade(url)
        yield url


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "index"),
    [
        (TaskListQuery(q="quarterly report"), "ix_tasks_search"),
        (TaskListQuery(label="money"), "ix_tasks_labels"),
    ],
)
async def test_search_and_label_filters_use_their_indexes_on_postgresql(
    plan_database: str, query: TaskListQuery, index: str
) -> None:
    owner, project, now = uuid.uuid4(), uuid.uuid4(), utcnow()
    # Enough of the caller's own tasks that walking their project is dearer than the index.
    filler = [
        {
            "id": uuid.uuid4(),
            "project_id": project,
            "title": f"filler {n}",
            "description": "",
            "status": "todo",
            "priority": "medium",
            "labels": ["filler"],
            "creator_id": owner,
            "created_at": now + timedelta(microseconds=n),
            "updated_at": now,
        }
        for n in range(500)
    ]
    statement, values = list_statement(owner, query, dialect="postgresql", now=now)
    engine = create_async_engine(plan_database)
    try:
        async with engine.begin() as conn:
            person = {"email": f"{owner}@example.com", "display_name": "Plans"}
            await conn.execute(
                insert(users).values(
                    id=owner, password_hash="x", created_at=now, updated_at=now, **person
                )
            )
            await conn.execute(
                insert(projects).values(
                    id=project, name="Plans", owner_id=owner, created_at=now, updated_at=now
                )
            )
            await conn.execute(
                insert(project_members).values(
                    project_id=project, user_id=owner, role="owner", created_at=now
                )
            )
            await conn.execute(insert(tasks), filler)
            await conn.execute(text("ANALYZE tasks, project_members"))
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(row[0] for row in await conn.execute(Explain(statement), values))
            await conn.rollback()
    finally:
        await engine.dispose()
    assert index in plan, plan
