"""Projects through the gateway: creating, listing, reading, editing and deleting them."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, insert, select

from functions.core import runtime
from functions.core.tables import comments, tasks
from tests.support import User, assert_problem, create_project, share_project, signup


async def all_project_ids(api: AsyncClient, user: User) -> list[str]:
    response = await api.get("/api/projects", params={"limit": 100}, headers=user.headers)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


def forged_cursor(*values: Any) -> str:
    raw = json.dumps(list(values)).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_a_new_project_belongs_to_its_creator_as_owner(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    created = await create_project(any_api, alice, "  Launch  ", "The spring launch")

    assert created["name"] == "Launch"
    assert created["description"] == "The spring launch"
    assert created["owner_id"] == str(alice.id)
    assert created["role"] == "owner"
    assert created["is_inbox"] is False
    fetched = await any_api.get(f"/api/projects/{created['id']}", headers=alice.headers)
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_the_list_shows_the_inbox_first_then_projects_oldest_first(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    bobs = await create_project(any_api, bob, "Bob's garden")
    first = await create_project(any_api, alice, "First")
    second = await create_project(any_api, alice, "Second")
    await share_project(any_api, bob, bobs["id"], alice, "viewer")

    response = await any_api.get("/api/projects", headers=alice.headers)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(p["name"], p["role"]) for p in items] == [
        ("Inbox", "owner"),
        ("Bob's garden", "viewer"),
        ("First", "owner"),
        ("Second", "owner"),
    ]
    assert items[0]["is_inbox"] is True
    assert [p["id"] for p in items[2:]] == [first["id"], second["id"]]
    assert response.json()["next_cursor"] is None


async def test_paging_through_seven_projects_returns_each_exactly_once(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    for n in range(6):
        await create_project(any_api, alice, f"Project {n}")
    expected = await all_project_ids(any_api, alice)
    assert len(expected) == 7

    seen: list[str] = []
    page_sizes: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = await any_api.get("/api/projects", params=params, headers=alice.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [p["id"] for p in page["items"]]
        page_sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert page_sizes == [3, 3, 1]
    assert seen == expected


async def test_a_page_limit_outside_1_to_100_is_clamped(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    await create_project(any_api, alice)

    smallest = await any_api.get("/api/projects", params={"limit": 0}, headers=alice.headers)
    largest = await any_api.get("/api/projects", params={"limit": 10_000}, headers=alice.headers)

    assert len(smallest.json()["items"]) == 1
    assert smallest.json()["next_cursor"] is not None
    assert len(largest.json()["items"]) == 2


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        forged_cursor("members", {"t": "2026-01-01T00:00:00+00:00"}, {"u": str(uuid.uuid4())}),
        forged_cursor("projects", 1, {"t": "2026-01-01T00:00:00"}, {"u": str(uuid.uuid4())}),
        forged_cursor("projects", 1, 5, {"u": str(uuid.uuid4())}),
        forged_cursor("projects", 1, {"t": "2026-01-01T00:00:00+00:00"}, {"u": "nope"}),
        forged_cursor("projects", "1", {"t": "2026-01-01T00:00:00+00:00"}, 7),
    ],
    ids=["garbage", "other-sort", "naive-time", "number-as-time", "bad-uuid", "wrong-types"],
)
async def test_a_tampered_cursor_is_a_404_problem(any_api: AsyncClient, cursor: str) -> None:
    alice = await signup(any_api, "alice")

    response = await any_api.get("/api/projects", params={"cursor": cursor}, headers=alice.headers)

    assert_problem(response, 404)


async def test_listing_projects_needs_a_signed_in_user(any_api: AsyncClient) -> None:
    assert_problem(await any_api.get("/api/projects"), 401)


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "ok", "description": None}],
    ids=["no-name", "empty", "blank", "too-long", "null-description"],
)
async def test_an_invalid_new_project_is_a_422_problem(
    any_api: AsyncClient, body: dict[str, Any]
) -> None:
    alice = await signup(any_api, "alice")

    response = await any_api.post("/api/projects", json=body, headers=alice.headers)

    assert_problem(response, 422)
    assert len(await all_project_ids(any_api, alice)) == 1


@pytest.mark.parametrize(
    "field",
    [
        ("owner_id", str(uuid.uuid4())),
        ("id", str(uuid.uuid4())),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("is_inbox", True),
        ("role", "owner"),
    ],
    ids=lambda f: f[0],
)
async def test_a_new_project_refuses_fields_the_server_decides(
    api: AsyncClient, field: tuple[str, Any]
) -> None:
    alice = await signup(api, "alice")
    name, value = field

    response = await api.post(
        "/api/projects", json={"name": "Sneaky", name: value}, headers=alice.headers
    )

    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == [name]
    assert len(await all_project_ids(api, alice)) == 1


@pytest.mark.parametrize(
    "field",
    [
        ("owner_id", str(uuid.uuid4())),
        ("id", str(uuid.uuid4())),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("is_inbox", True),
        ("updated_at", "2020-01-01T00:00:00Z"),
    ],
    ids=lambda f: f[0],
)
async def test_an_update_refuses_fields_the_server_decides(
    api: AsyncClient, field: tuple[str, Any]
) -> None:
    alice = await signup(api, "alice")
    bob = await signup(api, "bob")
    project = await create_project(api, alice, "Launch")
    name, value = field
    if name == "owner_id":
        value = str(bob.id)

    response = await api.patch(
        f"/api/projects/{project['id']}",
        json={"name": "Renamed", name: value},
        headers=alice.headers,
    )

    assert_problem(response, 422)
    after = await api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert after.json() == project


async def test_an_editor_can_rename_and_describe_a_project(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    erin = await signup(any_api, "erin")
    project = await create_project(any_api, alice, "Launch")
    await share_project(any_api, alice, project["id"], erin, "editor")

    response = await any_api.patch(
        f"/api/projects/{project['id']}",
        json={"name": "Relaunch", "description": "Take two"},
        headers=erin.headers,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["description"], updated["role"]) == (
        "Relaunch",
        "Take two",
        "editor",
    )
    assert datetime.fromisoformat(updated["updated_at"]) > datetime.fromisoformat(
        project["updated_at"]
    )
    assert updated["owner_id"] == str(alice.id)
    seen_by_owner = await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert seen_by_owner.json()["name"] == "Relaunch"


async def test_an_update_changes_only_the_fields_sent(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice, "Launch", "Keep me")

    response = await any_api.patch(
        f"/api/projects/{project['id']}", json={"name": "Renamed"}, headers=alice.headers
    )

    assert response.json()["description"] == "Keep me"
    assert response.json()["name"] == "Renamed"


@pytest.mark.parametrize("field", ["name", "description"])
async def test_an_update_refuses_an_explicit_null(any_api: AsyncClient, field: str) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice, "Launch", "Keep me")

    response = await any_api.patch(
        f"/api/projects/{project['id']}", json={field: None}, headers=alice.headers
    )

    assert_problem(response, 422)


async def test_a_viewer_cannot_edit_a_project(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    victor = await signup(any_api, "victor")
    project = await create_project(any_api, alice, "Launch")
    await share_project(any_api, alice, project["id"], victor, "viewer")

    response = await any_api.patch(
        f"/api/projects/{project['id']}", json={"name": "Mine now"}, headers=victor.headers
    )

    assert_problem(response, 403)
    unchanged = await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert unchanged.json() == project


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_only_an_owner_can_delete_a_project(any_api: AsyncClient, role: str) -> None:
    alice = await signup(any_api, "alice")
    member = await signup(any_api, role)
    project = await create_project(any_api, alice, "Launch")
    await share_project(any_api, alice, project["id"], member, role)

    response = await any_api.delete(f"/api/projects/{project['id']}", headers=member.headers)

    assert_problem(response, 403)
    still_there = await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert still_there.status_code == 200


async def test_deleting_a_project_takes_its_tasks_and_comments_with_it(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice, "Launch")
    project_id = uuid.UUID(project["id"])
    task_id, now = uuid.uuid4(), datetime.now(UTC)
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            insert(tasks).values(
                id=task_id,
                project_id=project_id,
                title="Write the announcement",
                status="todo",
                priority="medium",
                labels=[],
                creator_id=alice.id,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            insert(comments).values(
                id=uuid.uuid4(),
                task_id=task_id,
                author_id=alice.id,
                body="Draft is in the doc",
                created_at=now,
                updated_at=now,
            )
        )

    response = await any_api.delete(f"/api/projects/{project['id']}", headers=alice.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await any_api.get(f"/api/projects/{project_id}", headers=alice.headers), 404)
    async with runtime.current().engine.connect() as conn:
        left_tasks = await conn.scalar(
            select(func.count()).select_from(tasks).where(tasks.c.project_id == project_id)
        )
        left_comments = await conn.scalar(
            select(func.count()).select_from(comments).where(comments.c.task_id == task_id)
        )
    assert (left_tasks, left_comments) == (0, 0)


async def test_the_inbox_cannot_be_deleted(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    (inbox_id,) = await all_project_ids(any_api, alice)

    response = await any_api.delete(f"/api/projects/{inbox_id}", headers=alice.headers)

    assert_problem(response, 409)
    assert await all_project_ids(any_api, alice) == [inbox_id]


@pytest.mark.parametrize("project_id", ["not-a-uuid", str(uuid.uuid4())])
async def test_a_project_that_does_not_exist_is_a_404_problem(
    any_api: AsyncClient, project_id: str
) -> None:
    alice = await signup(any_api, "alice")

    assert_problem(await any_api.get(f"/api/projects/{project_id}", headers=alice.headers), 404)
    assert_problem(
        await any_api.patch(
            f"/api/projects/{project_id}", json={"name": "x"}, headers=alice.headers
        ),
        404,
    )
    assert_problem(await any_api.delete(f"/api/projects/{project_id}", headers=alice.headers), 404)


async def test_someone_elses_project_does_not_exist_for_a_stranger(api: AsyncClient) -> None:
    alice = await signup(api, "alice")
    mallory = await signup(api, "mallory")
    project = await create_project(api, alice, "Launch", "Secret plans")
    path = f"/api/projects/{project['id']}"
    members_path = f"{path}/members"
    alice_member_path = f"{members_path}/{alice.id}"
    members_before = (await api.get(members_path, headers=alice.headers)).json()

    attempts = [
        await api.get(path, headers=mallory.headers),
        await api.patch(path, json={"name": "Pwned"}, headers=mallory.headers),
        await api.delete(path, headers=mallory.headers),
        await api.get(members_path, headers=mallory.headers),
        await api.post(
            members_path,
            json={"user_id": str(mallory.id), "role": "owner"},
            headers=mallory.headers,
        ),
        await api.patch(alice_member_path, json={"role": "viewer"}, headers=mallory.headers),
        await api.delete(alice_member_path, headers=mallory.headers),
        await api.delete(f"{members_path}/{mallory.id}", headers=mallory.headers),
    ]

    for response in attempts:
        assert_problem(response, 404)
    assert (await api.get(path, headers=alice.headers)).json() == project
    assert (await api.get(members_path, headers=alice.headers)).json() == members_before
    assert project["id"] not in await all_project_ids(api, mallory)
