"""Someone else's tasks and comments do not exist for you: 404 everywhere, nothing changes."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

from tests.integration.helpers_tasks import create_task, owner_with_inbox
from tests.support import User, assert_problem


async def _snapshot(api: AsyncClient, owner: User, task_id: str) -> tuple[Any, Any]:
    task = await api.get(f"/api/tasks/{task_id}", headers=owner.headers)
    comments = await api.get(f"/api/tasks/{task_id}/comments", headers=owner.headers)
    assert task.status_code == comments.status_code == 200
    return task.json(), comments.json()


async def test_a_stranger_gets_404_for_every_operation_on_someone_elses_task(
    any_api: AsyncClient,
) -> None:
    alice, inbox = await owner_with_inbox(any_api, "alice")
    bob, bob_inbox = await owner_with_inbox(any_api, "bob")
    task = await create_task(any_api, alice, inbox, title="Alice's secret")
    comment = (
        await any_api.post(
            f"/api/tasks/{task['id']}/comments", json={"body": "private"}, headers=alice.headers
        )
    ).json()
    bobs_own = await create_task(any_api, bob, bob_inbox, title="Bob's")
    before = await _snapshot(any_api, alice, task["id"])

    url = f"/api/tasks/{task['id']}"
    attempts: list[Response] = [
        await any_api.get(url, headers=bob.headers),
        await any_api.patch(url, json={"title": "pwned"}, headers=bob.headers),
        await any_api.patch(
            url, json={"title": "pwned"}, headers={**bob.headers, "If-Match": '"99"'}
        ),
        await any_api.patch(url, json={"title": "pwned", "version": 99}, headers=bob.headers),
        await any_api.delete(url, headers=bob.headers),
        await any_api.post(
            "/api/tasks/bulk",
            json={"ids": [bobs_own["id"], task["id"]], "set": {"status": "cancelled"}},
            headers=bob.headers,
        ),
        await any_api.get(f"{url}/comments", headers=bob.headers),
        await any_api.post(f"{url}/comments", json={"body": "spam"}, headers=bob.headers),
        await any_api.delete(f"{url}/comments/{comment['id']}", headers=bob.headers),
        # Bob's own task in the path does not unlock Alice's comment either.
        await any_api.delete(
            f"/api/tasks/{bobs_own['id']}/comments/{comment['id']}", headers=bob.headers
        ),
    ]
    for response in attempts:
        body = assert_problem(response, 404)
        assert "Alice" not in body.get("detail", "")

    assert await _snapshot(any_api, alice, task["id"]) == before
    bobs_after = await any_api.get(f"/api/tasks/{bobs_own['id']}", headers=bob.headers)
    assert bobs_after.json()["status"] == "todo"
    assert bobs_after.json()["version"] == 1


async def test_a_stranger_cannot_create_tasks_in_someone_elses_project(
    any_api: AsyncClient,
) -> None:
    alice, inbox = await owner_with_inbox(any_api, "alice")
    bob, _ = await owner_with_inbox(any_api, "bob")
    response = await any_api.post(
        "/api/tasks", json={"project_id": str(inbox), "title": "planted"}, headers=bob.headers
    )
    assert_problem(response, 404)
    listed = await any_api.get(f"/api/tasks?project_id={inbox}", headers=alice.headers)
    assert listed.json()["items"] == []


async def test_a_stranger_cannot_assign_themselves_into_someone_elses_project(
    any_api: AsyncClient,
) -> None:
    alice, inbox = await owner_with_inbox(any_api, "alice")
    bob, _ = await owner_with_inbox(any_api, "bob")
    task = await create_task(any_api, alice, inbox)
    response = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"assignee_id": str(bob.id)}, headers=alice.headers
    )
    assert_problem(response, 422)


async def test_someone_elses_tasks_never_appear_in_your_lists_or_counts(
    any_api: AsyncClient,
) -> None:
    alice, inbox = await owner_with_inbox(any_api, "alice")
    bob, _ = await owner_with_inbox(any_api, "bob")
    await create_task(any_api, alice, inbox, title="Alice's")
    listed = await any_api.get("/api/tasks", headers=bob.headers)
    assert listed.json() == {"items": [], "next_cursor": None}
    searched = await any_api.get("/api/tasks?q=alice", headers=bob.headers)
    assert searched.json()["items"] == []
    stats = await any_api.get("/api/tasks/stats", headers=bob.headers)
    assert stats.json()["total"] == 0
