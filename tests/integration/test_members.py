"""Project members through the gateway: adding, re-roling, removing and leaving."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import insert, select

from functions.core import runtime
from functions.core.tables import tasks
from tests.support import User, assert_problem, create_project, share_project, signup


async def members_of(api: AsyncClient, user: User, project_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/projects/{project_id}/members", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def roles(members: list[dict[str, Any]]) -> dict[str, str]:
    return {m["user_id"]: m["role"] for m in members}


async def inbox_of(api: AsyncClient, user: User) -> str:
    response = await api.get("/api/projects", headers=user.headers)
    inbox: str = response.json()["items"][0]["id"]
    return inbox


async def insert_task(project_id: str, assignee: User | None, title: str) -> uuid.UUID:
    """A task row written directly, so these tests do not depend on the task endpoints."""
    task_id = uuid.uuid4()
    created = datetime.now(UTC) - timedelta(minutes=5)
    async with runtime.current().engine.begin() as conn:
        await conn.execute(
            insert(tasks).values(
                id=task_id,
                project_id=uuid.UUID(project_id),
                title=title,
                status="todo",
                priority="medium",
                labels=[],
                assignee_id=assignee.id if assignee else None,
                created_at=created,
                updated_at=created,
            )
        )
    return task_id


async def task_rows(*task_ids: uuid.UUID) -> dict[uuid.UUID, Any]:
    async with runtime.current().engine.connect() as conn:
        rows = await conn.execute(
            select(tasks.c.id, tasks.c.assignee_id, tasks.c.version, tasks.c.updated_at).where(
                tasks.c.id.in_(task_ids)
            )
        )
        return {row.id: row for row in rows}


async def test_an_owner_adds_members_by_id_and_by_email(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    carol = await signup(any_api, "carol")
    project = await create_project(any_api, alice, "Launch")
    path = f"/api/projects/{project['id']}/members"

    by_id = await any_api.post(
        path, json={"user_id": str(bob.id), "role": "viewer"}, headers=alice.headers
    )
    by_email = await any_api.post(path, json={"email": carol.email.upper()}, headers=alice.headers)

    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["user_id"] == str(bob.id)
    assert by_id.json()["email"] == bob.email
    assert by_id.json()["display_name"] == "Bob"
    assert by_id.json()["role"] == "viewer"
    assert by_email.status_code == 201, by_email.text
    assert (by_email.json()["user_id"], by_email.json()["role"]) == (str(carol.id), "editor")
    members = await members_of(any_api, bob, project["id"])
    assert [(m["display_name"], m["role"]) for m in members] == [
        ("Alice", "owner"),
        ("Bob", "viewer"),
        ("Carol", "editor"),
    ]
    seen_by_carol = await any_api.get(f"/api/projects/{project['id']}", headers=carol.headers)
    assert seen_by_carol.json()["role"] == "editor"


async def test_the_member_list_pages_through_every_member_once(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice)
    for name in ("bob", "carol", "dave", "erin"):
        await share_project(any_api, alice, project["id"], await signup(any_api, name), "viewer")
    expected = [m["user_id"] for m in await members_of(any_api, alice, project["id"])]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await any_api.get(
            f"/api/projects/{project['id']}/members", params=params, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        seen += [m["user_id"] for m in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert len(expected) == 5
    assert seen == expected


async def test_a_tampered_member_cursor_is_a_404_problem(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice)

    response = await any_api.get(
        f"/api/projects/{project['id']}/members",
        params={"cursor": "bm90IGEgY3Vyc29y"},
        headers=alice.headers,
    )

    assert_problem(response, 404)


async def test_adding_an_unknown_user_is_a_404_problem(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice)
    path = f"/api/projects/{project['id']}/members"

    by_id = await any_api.post(path, json={"user_id": str(uuid.uuid4())}, headers=alice.headers)
    by_email = await any_api.post(
        path, json={"email": "nobody-here@example.com"}, headers=alice.headers
    )

    assert_problem(by_id, 404)
    assert_problem(by_email, 404)
    assert len(await members_of(any_api, alice, project["id"])) == 1


async def test_adding_someone_who_is_a_member_already_is_a_409_problem(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "viewer")

    again = await any_api.post(
        f"/api/projects/{project['id']}/members",
        json={"email": bob.email, "role": "owner"},
        headers=alice.headers,
    )
    yourself = await any_api.post(
        f"/api/projects/{project['id']}/members",
        json={"user_id": str(alice.id)},
        headers=alice.headers,
    )

    assert_problem(again, 409)
    assert_problem(yourself, 409)
    assert roles(await members_of(any_api, alice, project["id"]))[str(bob.id)] == "viewer"


@pytest.mark.parametrize(
    "body",
    [
        {"role": "editor"},
        {"user_id": str(uuid.uuid4()), "email": "both@example.com"},
        {"email": "not-an-address"},
        {"email": "x@example.com", "role": "admin"},
        {"email": "x@example.com", "project_id": str(uuid.uuid4())},
    ],
    ids=["neither", "both", "bad-email", "bad-role", "extra-field"],
)
async def test_an_invalid_member_is_a_422_problem(
    any_api: AsyncClient, body: dict[str, Any]
) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice)

    response = await any_api.post(
        f"/api/projects/{project['id']}/members", json=body, headers=alice.headers
    )

    assert_problem(response, 422)


async def test_the_inbox_cannot_be_shared(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    inbox = await inbox_of(any_api, alice)

    response = await any_api.post(
        f"/api/projects/{inbox}/members", json={"user_id": str(bob.id)}, headers=alice.headers
    )

    assert_problem(response, 409)
    assert [m["user_id"] for m in await members_of(any_api, alice, inbox)] == [str(alice.id)]


async def test_the_inbox_owner_cannot_leave_or_step_down(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    inbox = await inbox_of(any_api, alice)
    me = f"/api/projects/{inbox}/members/{alice.id}"

    assert_problem(await any_api.delete(me, headers=alice.headers), 409)
    assert_problem(await any_api.patch(me, json={"role": "editor"}, headers=alice.headers), 409)
    assert roles(await members_of(any_api, alice, inbox)) == {str(alice.id): "owner"}


@pytest.mark.parametrize("role", ["editor", "viewer"])
async def test_only_owners_manage_members(any_api: AsyncClient, role: str) -> None:
    alice = await signup(any_api, "alice")
    member = await signup(any_api, role)
    other = await signup(any_api, "other")
    outsider = await signup(any_api, "outsider")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], member, role)
    await share_project(any_api, alice, project["id"], other, "viewer")
    path = f"/api/projects/{project['id']}/members"
    before = await members_of(any_api, alice, project["id"])

    attempts = [
        await any_api.post(path, json={"user_id": str(outsider.id)}, headers=member.headers),
        await any_api.patch(f"{path}/{member.id}", json={"role": "owner"}, headers=member.headers),
        await any_api.patch(f"{path}/{other.id}", json={"role": "editor"}, headers=member.headers),
        await any_api.patch(f"{path}/{alice.id}", json={"role": "viewer"}, headers=member.headers),
        await any_api.delete(f"{path}/{other.id}", headers=member.headers),
        await any_api.delete(f"{path}/{alice.id}", headers=member.headers),
    ]

    for response in attempts:
        assert_problem(response, 403)
    assert await members_of(any_api, alice, project["id"]) == before


async def test_an_owner_changes_a_members_role(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "viewer")

    response = await any_api.patch(
        f"/api/projects/{project['id']}/members/{bob.id}",
        json={"role": "editor"},
        headers=alice.headers,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["user_id"], response.json()["role"]) == (str(bob.id), "editor")
    renamed = await any_api.patch(
        f"/api/projects/{project['id']}", json={"name": "Bob was here"}, headers=bob.headers
    )
    assert renamed.status_code == 200


async def test_changing_or_removing_someone_who_is_not_a_member_is_a_404_problem(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    stranger = await signup(any_api, "stranger")
    project = await create_project(any_api, alice)
    path = f"/api/projects/{project['id']}/members"

    for user_id in (str(stranger.id), str(uuid.uuid4()), "not-a-uuid"):
        patched = await any_api.patch(
            f"{path}/{user_id}", json={"role": "viewer"}, headers=alice.headers
        )
        assert_problem(patched, 404)
        assert_problem(await any_api.delete(f"{path}/{user_id}", headers=alice.headers), 404)


async def test_the_last_owner_cannot_step_down_or_leave(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "editor")
    me = f"/api/projects/{project['id']}/members/{alice.id}"

    demoted = await any_api.patch(me, json={"role": "editor"}, headers=alice.headers)
    left = await any_api.delete(me, headers=alice.headers)

    assert_problem(demoted, 409)
    assert_problem(left, 409)
    assert roles(await members_of(any_api, alice, project["id"])) == {
        str(alice.id): "owner",
        str(bob.id): "editor",
    }


async def test_one_of_two_owners_can_step_down_and_the_other_becomes_the_named_owner(
    any_api: AsyncClient,
) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "owner")
    me = f"/api/projects/{project['id']}/members/{alice.id}"

    stepped_down = await any_api.patch(me, json={"role": "viewer"}, headers=alice.headers)

    assert stepped_down.status_code == 200, stepped_down.text
    seen = await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert (seen.json()["role"], seen.json()["owner_id"]) == ("viewer", str(bob.id))
    bob_steps_down = await any_api.patch(
        f"/api/projects/{project['id']}/members/{bob.id}",
        json={"role": "editor"},
        headers=bob.headers,
    )
    assert_problem(bob_steps_down, 409)


async def test_an_owner_can_leave_when_another_owner_remains(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "owner")

    left = await any_api.delete(
        f"/api/projects/{project['id']}/members/{alice.id}", headers=alice.headers
    )

    assert left.status_code == 204
    assert_problem(await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers), 404)
    seen_by_bob = await any_api.get(f"/api/projects/{project['id']}", headers=bob.headers)
    assert seen_by_bob.json()["owner_id"] == str(bob.id)
    assert roles(await members_of(any_api, bob, project["id"])) == {str(bob.id): "owner"}


@pytest.mark.parametrize("role", ["viewer", "editor"])
async def test_any_member_can_leave_a_project(any_api: AsyncClient, role: str) -> None:
    alice = await signup(any_api, "alice")
    member = await signup(any_api, role)
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], member, role)

    left = await any_api.delete(
        f"/api/projects/{project['id']}/members/{member.id}", headers=member.headers
    )

    assert left.status_code == 204
    assert project["id"] not in [
        p["id"]
        for p in (await any_api.get("/api/projects", headers=member.headers)).json()["items"]
    ]
    assert roles(await members_of(any_api, alice, project["id"])) == {str(alice.id): "owner"}


@pytest.mark.parametrize("removed_by", ["themselves", "the owner"])
async def test_a_departing_member_is_unassigned_from_the_projects_tasks(
    any_api: AsyncClient, removed_by: str
) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice, "Launch")
    elsewhere = await create_project(any_api, alice, "Elsewhere")
    await share_project(any_api, alice, project["id"], bob, "editor")
    await share_project(any_api, alice, elsewhere["id"], bob, "editor")
    bobs_task = await insert_task(project["id"], bob, "Bob's task")
    alices_task = await insert_task(project["id"], alice, "Alice's task")
    bobs_other_task = await insert_task(elsewhere["id"], bob, "Bob's task elsewhere")
    before = await task_rows(bobs_task, alices_task, bobs_other_task)
    remover = bob if removed_by == "themselves" else alice

    response = await any_api.delete(
        f"/api/projects/{project['id']}/members/{bob.id}", headers=remover.headers
    )

    assert response.status_code == 204, response.text
    after = await task_rows(bobs_task, alices_task, bobs_other_task)
    assert after[bobs_task].assignee_id is None
    assert after[bobs_task].version == before[bobs_task].version + 1
    assert after[bobs_task].updated_at > before[bobs_task].updated_at
    assert after[alices_task] == before[alices_task]
    assert after[bobs_other_task] == before[bobs_other_task]


async def test_a_refused_departure_leaves_assignments_alone(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    project = await create_project(any_api, alice)
    task = await insert_task(project["id"], alice, "Alice's task")
    before = await task_rows(task)

    response = await any_api.delete(
        f"/api/projects/{project['id']}/members/{alice.id}", headers=alice.headers
    )

    assert_problem(response, 409)
    assert await task_rows(task) == before


async def test_members_of_someone_elses_project_do_not_exist_for_a_stranger(
    api: AsyncClient,
) -> None:
    alice = await signup(api, "alice")
    bob = await signup(api, "bob")
    mallory = await signup(api, "mallory")
    project = await create_project(api, alice)
    await share_project(api, alice, project["id"], bob, "viewer")
    path = f"/api/projects/{project['id']}/members"
    before = await members_of(api, alice, project["id"])

    attempts = [
        await api.get(path, headers=mallory.headers),
        await api.post(path, json={"email": mallory.email}, headers=mallory.headers),
        await api.patch(f"{path}/{bob.id}", json={"role": "owner"}, headers=mallory.headers),
        await api.delete(f"{path}/{bob.id}", headers=mallory.headers),
    ]

    for response in attempts:
        assert_problem(response, 404)
    assert await members_of(api, alice, project["id"]) == before


async def test_two_owners_stepping_down_at_once_leave_one_owner(any_api: AsyncClient) -> None:
    alice = await signup(any_api, "alice")
    bob = await signup(any_api, "bob")
    project = await create_project(any_api, alice)
    await share_project(any_api, alice, project["id"], bob, "owner")
    path = f"/api/projects/{project['id']}/members"

    answers = await asyncio.gather(
        any_api.patch(f"{path}/{alice.id}", json={"role": "editor"}, headers=alice.headers),
        any_api.patch(f"{path}/{bob.id}", json={"role": "editor"}, headers=bob.headers),
    )

    assert sorted(a.status_code for a in answers) == [200, 409]
    owners = [m for m in await members_of(any_api, alice, project["id"]) if m["role"] == "owner"]
    assert len(owners) == 1
    seen = await any_api.get(f"/api/projects/{project['id']}", headers=alice.headers)
    assert seen.json()["owner_id"] == owners[0]["user_id"]
