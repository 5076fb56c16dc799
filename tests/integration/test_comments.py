"""Comments on tasks: who writes, who reads, who edits, who deletes, and pages of them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from events import types
from functions.core import runtime
from functions.core.services import activity, team_changes
from functions.core.tables import comments
from tests.integration.helpers_tasks import add_member, create_task, owner_with_inbox
from tests.integration.helpers_watchers import task_events
from tests.support import User, assert_problem, signup


async def _comment(api: AsyncClient, user: User, task_id: str, body: str) -> dict[str, Any]:
    response = await api.post(
        f"/api/tasks/{task_id}/comments", json={"body": body}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    comment: dict[str, Any] = response.json()
    return comment


async def test_an_editor_comments_and_every_member_reads_it(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    viewer = await signup(any_api, "viewer")
    await add_member(inbox, editor, "editor")
    await add_member(inbox, viewer, "viewer")
    task = await create_task(any_api, owner, inbox)

    comment = await _comment(any_api, editor, task["id"], "  Looks good to me  ")
    assert comment["body"] == "Looks good to me"
    assert comment["author_id"] == str(editor.id)
    assert comment["author_name"] == "Editor"
    assert comment["task_id"] == task["id"]

    for reader in (owner, editor, viewer):
        listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=reader.headers)
        assert listed.status_code == 200, listed.text
        assert listed.json() == {"items": [comment], "next_cursor": None}


async def test_a_viewer_cannot_comment(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    viewer = await signup(any_api, "viewer")
    await add_member(inbox, viewer, "viewer")
    task = await create_task(any_api, owner, inbox)
    response = await any_api.post(
        f"/api/tasks/{task['id']}/comments", json={"body": "hi"}, headers=viewer.headers
    )
    assert_problem(response, 403)
    listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=owner.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   "},
        {"body": "x" * 10_001},
        {"body": "null \x00 inside"},
        {},
        {"body": "hi", "author_id": "00000000-0000-4000-8000-000000000001"},
        {"body": "hi", "created_at": "2020-01-01T00:00:00Z"},
    ],
)
async def test_a_malformed_comment_is_refused(any_api: AsyncClient, body: dict[str, Any]) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.post(
        f"/api/tasks/{task['id']}/comments", json=body, headers=owner.headers
    )
    assert_problem(response, 422)


async def test_comments_come_oldest_first_one_page_at_a_time(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    written = [(await _comment(any_api, owner, task["id"], f"c{n}"))["id"] for n in range(5)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await any_api.get(
            f"/api/tasks/{task['id']}/comments", params=params, headers=owner.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # A comment added mid-way is newer than every cursor, so it shows up at the end.
        if pages == 1:
            written.append((await _comment(any_api, owner, task["id"], "late"))["id"])
    assert seen == written
    assert pages == 3


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4Ijox"])
async def test_a_cursor_the_list_did_not_give_out_is_404(any_api: AsyncClient, cursor: str) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.get(
        f"/api/tasks/{task['id']}/comments", params={"cursor": cursor}, headers=owner.headers
    )
    assert_problem(response, 404)


async def test_the_author_deletes_their_own_comment(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    await add_member(inbox, editor, "editor")
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, editor, task["id"], "mine")
    url = f"/api/tasks/{task['id']}/comments/{comment['id']}"
    assert (await any_api.delete(url, headers=editor.headers)).status_code == 204
    assert_problem(await any_api.delete(url, headers=editor.headers), 404)
    listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=owner.headers)
    assert listed.json()["items"] == []


async def test_a_project_owner_deletes_anyones_comment(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    await add_member(inbox, editor, "editor")
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, editor, task["id"], "theirs")
    url = f"/api/tasks/{task['id']}/comments/{comment['id']}"
    assert (await any_api.delete(url, headers=owner.headers)).status_code == 204


async def test_another_editor_cannot_delete_someone_elses_comment(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    await add_member(inbox, editor, "editor")
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, owner, task["id"], "the owner's")
    url = f"/api/tasks/{task['id']}/comments/{comment['id']}"
    assert_problem(await any_api.delete(url, headers=editor.headers), 403)
    listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=owner.headers)
    assert [c["id"] for c in listed.json()["items"]] == [comment["id"]]


async def test_a_comment_is_found_only_under_its_own_task(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    other_task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, owner, task["id"], "here")
    wrong = f"/api/tasks/{other_task['id']}/comments/{comment['id']}"
    assert_problem(await any_api.delete(wrong, headers=owner.headers), 404)
    unknown = f"/api/tasks/{task['id']}/comments/{uuid.uuid4()}"
    assert_problem(await any_api.delete(unknown, headers=owner.headers), 404)


async def test_comments_on_a_missing_task_are_404(any_api: AsyncClient) -> None:
    owner = await signup(any_api)
    url = f"/api/tasks/{uuid.uuid4()}/comments"
    assert_problem(await any_api.get(url, headers=owner.headers), 404)
    assert_problem(await any_api.post(url, json={"body": "hi"}, headers=owner.headers), 404)


async def test_deleting_a_task_deletes_its_comments(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, owner, task["id"], "soon gone")
    assert (
        await any_api.delete(f"/api/tasks/{task['id']}", headers=owner.headers)
    ).status_code == 204
    async with runtime.current().engine.connect() as conn:
        left = await conn.scalar(
            select(func.count()).where(comments.c.id == uuid.UUID(comment["id"]))
        )
    assert left == 0


async def _edit(api: AsyncClient, user: User, task_id: str, comment_id: str, body: Any) -> Response:
    return await api.patch(
        f"/api/tasks/{task_id}/comments/{comment_id}", json=body, headers=user.headers
    )


async def test_the_author_edits_a_comment_and_it_is_marked_edited(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    await add_member(inbox, editor, "editor")
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, editor, task["id"], "Lookss good")
    assert comment["edited_at"] is None

    edited = await _edit(any_api, editor, task["id"], comment["id"], {"body": " Looks good "})

    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["body"] == "Looks good"
    assert body["edited_at"] is not None
    assert body["edited_at"] == body["updated_at"]
    assert body["created_at"] == comment["created_at"]
    listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=owner.headers)
    assert listed.json()["items"] == [body]
    unchanged = await _edit(any_api, editor, task["id"], comment["id"], {"body": "Looks good"})
    assert unchanged.json() == body  # the same text again changes nothing


async def test_an_edit_writes_a_comment_updated_event_and_a_history_entry(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, owner, task["id"], "First words")
    edited = (
        await _edit(any_api, owner, task["id"], comment["id"], {"body": "Second words"})
    ).json()

    events = await task_events(task["id"])
    (updated,) = [e for e in events if e["type"] == types.COMMENT_UPDATED]
    data = updated.get_data()
    assert updated[types.ACTOR_ID] == str(owner.id)
    assert data["comment_id"] == comment["id"]
    assert data["author_id"] == str(owner.id)
    assert data["body"] == data["excerpt"] == "Second words"
    assert data["mentioned_ids"] == []
    assert datetime.fromisoformat(data["edited_at"]) == datetime.fromisoformat(edited["edited_at"])

    rt = runtime.current()
    assert await team_changes.publish(rt, updated) is True  # open screens show the new text
    key = team_changes.project_key(rt.settings, inbox)
    *_, (_, fields) = await rt.redis.xrange(key)
    change = json.loads(fields[team_changes.CHANGE_FIELD])
    assert (change["type"], change["data"]["body"]) == (types.COMMENT_UPDATED, "Second words")
    assert change["actor_name"] == "Owner"

    for event in events:
        await activity.record(rt, event)
    history = await any_api.get(f"/api/tasks/{task['id']}/activity", headers=owner.headers)
    kinds = [(e["kind"], e["excerpt"]) for e in history.json()["items"]]
    assert kinds == [
        ("comment_edited", "Second words"),
        ("comment_added", "First words"),
        ("created", None),
    ]


@pytest.mark.parametrize("role", ["owner", "editor"])
async def test_only_the_author_may_edit_a_comment(any_api: AsyncClient, role: str) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    author = await signup(any_api, "author")
    other = await signup(any_api, "other")
    await add_member(inbox, author, "editor")
    await add_member(inbox, other, "editor")
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, author, task["id"], "Mine")

    someone = owner if role == "owner" else other
    assert_problem(await _edit(any_api, someone, task["id"], comment["id"], {"body": "x"}), 403)
    outsider = await signup(any_api, "outsider")
    assert_problem(await _edit(any_api, outsider, task["id"], comment["id"], {"body": "x"}), 404)
    missing = str(uuid.uuid4())
    assert_problem(await _edit(any_api, author, task["id"], missing, {"body": "x"}), 404)
    listed = await any_api.get(f"/api/tasks/{task['id']}/comments", headers=owner.headers)
    assert [c["body"] for c in listed.json()["items"]] == ["Mine"]


@pytest.mark.parametrize(
    "body",
    [{"body": ""}, {"body": "   "}, {"body": "x" * 10_001}, {"body": "a\x00b"}, {}, {"body": None}],
)
async def test_an_edit_takes_the_limits_of_a_new_comment(
    any_api: AsyncClient, body: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    comment = await _comment(any_api, owner, task["id"], "Keep me")
    assert_problem(await _edit(any_api, owner, task["id"], comment["id"], body), 422)
