"""Creating, reading, changing and deleting tasks, one at a time and in bulk."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from tests.integration.helpers_tasks import (
    add_member,
    create_task,
    owner_with_inbox,
    read_task_row,
)
from tests.support import assert_problem, signup

DUE = "2031-05-04T12:00:00+00:00"


async def test_an_owner_creates_a_task_and_reads_it_back(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={
            "project_id": str(inbox),
            "title": "  Write the report ",
            "description": "Quarterly numbers",
            "priority": "high",
            "due_at": DUE,
            "labels": ["Work", "work", "q3"],
            "assignee_id": str(owner.id),
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["title"] == "Write the report"
    assert task["status"] == "todo"
    assert task["priority"] == "high"
    assert task["labels"] == ["work", "q3"]
    assert task["creator_id"] == str(owner.id)
    assert task["assignee_id"] == str(owner.id)
    assert datetime.fromisoformat(task["due_at"]) == datetime.fromisoformat(DUE)
    assert task["version"] == 1
    assert task["completed_at"] is None
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/tasks/{task['id']}"

    read = await any_api.get(f"/api/tasks/{task['id']}", headers=owner.headers)
    assert read.status_code == 200
    assert read.json() == task
    assert read.headers["etag"] == '"1"'


async def test_a_task_created_done_is_completed_at_creation(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, status="done")
    assert task["completed_at"] is not None
    assert task["completed_at"] == task["created_at"]


async def test_patch_changes_only_the_fields_sent(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api, owner, inbox, description="keep me", labels=["a"], due_at=DUE, priority="low"
    )
    response = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"title": "Renamed"}, headers=owner.headers
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["title"] == "Renamed"
    assert changed["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert datetime.fromisoformat(changed["updated_at"]) > datetime.fromisoformat(
        task["updated_at"]
    )
    unchanged = {k: v for k, v in task.items() if k not in ("title", "version", "updated_at")}
    assert {k: changed[k] for k in unchanged} == unchanged


async def test_explicit_null_clears_the_due_date_and_the_assignee(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_at=DUE, assignee_id=str(owner.id))
    response = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"due_at": None, "assignee_id": None},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["due_at"] is None
    assert response.json()["assignee_id"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"title": None},
        {"status": None},
        {"labels": None},
        {"description": None},
        {"title": ""},
        {"status": "finished"},
    ],
)
async def test_a_patch_that_cannot_apply_is_refused_and_changes_nothing(
    any_api: AsyncClient, body: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.patch(f"/api/tasks/{task['id']}", json=body, headers=owner.headers)
    assert_problem(response, 422)
    read = await any_api.get(f"/api/tasks/{task['id']}", headers=owner.headers)
    assert read.json() == task


async def test_done_records_when_the_task_was_completed_and_reopening_clears_it(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"

    done = (await any_api.patch(url, json={"status": "done"}, headers=owner.headers)).json()
    assert done["completed_at"] is not None
    assert done["completed_at"] == done["updated_at"]

    # Saying "done" again (with another change) keeps the original completion time.
    again = await any_api.patch(url, json={"status": "done", "title": "x"}, headers=owner.headers)
    assert again.json()["completed_at"] == done["completed_at"]

    other = await any_api.patch(url, json={"priority": "urgent"}, headers=owner.headers)
    assert other.json()["completed_at"] == done["completed_at"]

    reopened = await any_api.patch(url, json={"status": "todo"}, headers=owner.headers)
    assert reopened.json()["completed_at"] is None
    assert reopened.json()["version"] == 5


async def test_a_stale_if_match_is_412_and_leaves_the_task_unchanged(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"
    await any_api.patch(url, json={"title": "Second"}, headers=owner.headers)

    stale = await any_api.patch(
        url, json={"title": "Lost"}, headers={**owner.headers, "If-Match": '"1"'}
    )
    body = assert_problem(stale, 412)
    assert body["current_version"] == 2
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["title"], row["version"]) == ("Second", 2)


@pytest.mark.parametrize("tag", ['"1"', "1", ' "7", "1" ', "*"])
async def test_if_match_with_the_current_version_applies_the_change(
    any_api: AsyncClient, tag: str
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"title": "Applied"},
        headers={**owner.headers, "If-Match": tag},
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


@pytest.mark.parametrize("tag", ['W/"1"', '"one"', '""', '"99999999999999999999"'])
async def test_an_if_match_that_names_no_strong_version_never_matches(
    any_api: AsyncClient, tag: str
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"title": "Refused"},
        headers={**owner.headers, "If-Match": tag},
    )
    assert_problem(response, 412)
    assert (await read_task_row(task["id"]) or {})["version"] == 1


async def test_a_stale_body_version_is_409_and_leaves_the_task_unchanged(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"
    first = await any_api.patch(url, json={"title": "First", "version": 1}, headers=owner.headers)
    assert first.status_code == 200, first.text

    stale = await any_api.patch(url, json={"title": "Lost", "version": 1}, headers=owner.headers)
    assert assert_problem(stale, 409)["current_version"] == 2
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["title"], row["version"]) == ("First", 2)


async def test_an_empty_patch_changes_nothing_but_still_checks_the_version(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"
    for body, headers in (({}, {}), ({"version": 1}, {}), ({}, {"If-Match": '"1"'})):
        same = await any_api.patch(url, json=body, headers={**owner.headers, **headers})
        assert same.status_code == 200, same.text
        assert same.json() == task
    assert_problem(await any_api.patch(url, json={"version": 2}, headers=owner.headers), 409)
    stale = await any_api.patch(url, json={}, headers={**owner.headers, "If-Match": '"2"'})
    assert assert_problem(stale, 412)["current_version"] == 1
    both = {**owner.headers, "If-Match": '"2"'}
    assert_problem(await any_api.patch(url, json={"version": 1}, headers=both), 412)
    assert (await read_task_row(task["id"]) or {})["version"] == 1


async def test_a_write_without_a_version_is_unconditional(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"
    for title in ("One", "Two", "Three"):
        response = await any_api.patch(url, json={"title": title}, headers=owner.headers)
        assert response.status_code == 200
    assert response.json()["version"] == 4


async def test_only_one_of_two_concurrent_writers_of_the_same_version_wins(
    api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(api)
    task = await create_task(api, owner, inbox)
    url = f"/api/tasks/{task['id']}"
    responses = await asyncio.gather(
        *(
            api.patch(url, json={"title": f"Writer {n}", "version": 1}, headers=owner.headers)
            for n in range(4)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["title"], row["version"]) == (winner["title"], 2)


async def test_the_assignee_must_be_a_member_of_the_project(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    outsider = await signup(any_api, "outsider")
    refused = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "t", "assignee_id": str(outsider.id)},
        headers=owner.headers,
    )
    assert assert_problem(refused, 422)["errors"][0]["loc"] == ["assignee_id"]

    task = await create_task(any_api, owner, inbox)
    patch = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"assignee_id": str(outsider.id)},
        headers=owner.headers,
    )
    assert_problem(patch, 422)
    assert (await read_task_row(task["id"]) or {})["assignee_id"] is None

    await add_member(inbox, outsider, "viewer")
    assigned = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"assignee_id": str(outsider.id)},
        headers=owner.headers,
    )
    assert assigned.json()["assignee_id"] == str(outsider.id)


async def test_deleting_a_task_removes_it(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    deleted = await any_api.delete(f"/api/tasks/{task['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await any_api.get(f"/api/tasks/{task['id']}", headers=owner.headers), 404)
    assert_problem(await any_api.delete(f"/api/tasks/{task['id']}", headers=owner.headers), 404)
    assert await read_task_row(task["id"]) is None


async def test_a_viewer_reads_tasks_but_cannot_change_them(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    viewer = await signup(any_api, "viewer")
    await add_member(inbox, viewer, "viewer")
    task = await create_task(any_api, owner, inbox)
    url = f"/api/tasks/{task['id']}"

    assert (await any_api.get(url, headers=viewer.headers)).status_code == 200
    create = await any_api.post(
        "/api/tasks", json={"project_id": str(inbox), "title": "t"}, headers=viewer.headers
    )
    assert_problem(create, 403)
    assert_problem(await any_api.patch(url, json={"title": "x"}, headers=viewer.headers), 403)
    assert_problem(await any_api.delete(url, headers=viewer.headers), 403)
    bulk = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [task["id"]], "set": {"status": "done"}},
        headers=viewer.headers,
    )
    assert_problem(bulk, 403)
    assert (await read_task_row(task["id"]) or {})["version"] == 1


async def test_an_editor_creates_and_changes_tasks(any_api: AsyncClient) -> None:
    _, inbox = await owner_with_inbox(any_api)
    editor = await signup(any_api, "editor")
    await add_member(inbox, editor, "editor")
    task = await create_task(any_api, editor, inbox)
    assert task["creator_id"] == str(editor.id)
    changed = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"status": "review"}, headers=editor.headers
    )
    assert changed.json()["status"] == "review"
    assert (
        await any_api.delete(f"/api/tasks/{task['id']}", headers=editor.headers)
    ).status_code == 204


@pytest.mark.parametrize(
    "extra",
    [
        {"id": "00000000-0000-4000-8000-000000000001"},
        {"creator_id": "00000000-0000-4000-8000-000000000001"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"completed_at": "2020-01-01T00:00:00Z"},
        {"version": 7},
        {"is_admin": True},
    ],
)
async def test_a_create_naming_fields_the_server_owns_is_refused(
    any_api: AsyncClient, extra: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "Sneaky", **extra},
        headers=owner.headers,
    )
    assert_problem(response, 422)
    listed = await any_api.get(f"/api/tasks?project_id={inbox}", headers=owner.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "extra",
    [
        {"id": "00000000-0000-4000-8000-000000000001"},
        {"project_id": "00000000-0000-4000-8000-000000000001"},
        {"creator_id": "00000000-0000-4000-8000-000000000001"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"completed_at": "2020-01-01T00:00:00Z"},
        {"unknown": 1},
    ],
)
async def test_a_patch_naming_fields_the_server_owns_is_refused(
    any_api: AsyncClient, extra: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    response = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"title": "Sneaky", **extra}, headers=owner.headers
    )
    assert_problem(response, 422)
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["title"], row["version"]) == ("A task", 1)


async def test_an_unknown_or_malformed_task_id_is_not_found(any_api: AsyncClient) -> None:
    owner = await signup(any_api)
    for task_id in ("00000000-0000-4000-8000-000000000001", "not-a-uuid"):
        assert_problem(await any_api.get(f"/api/tasks/{task_id}", headers=owner.headers), 404)
        patch = await any_api.patch(
            f"/api/tasks/{task_id}", json={"title": "x"}, headers=owner.headers
        )
        assert_problem(patch, 404)


async def test_tasks_need_a_signed_in_caller(any_api: AsyncClient) -> None:
    assert_problem(await any_api.get("/api/tasks"), 401)
    assert_problem(await any_api.post("/api/tasks", json={}), 401)


async def test_a_bulk_update_changes_every_task_named_and_bumps_each_version(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    first = await create_task(any_api, owner, inbox, title="one")
    second = await create_task(any_api, owner, inbox, title="two")
    await any_api.patch(f"/api/tasks/{second['id']}", json={"title": "2"}, headers=owner.headers)

    response = await any_api.post(
        "/api/tasks/bulk",
        json={
            "ids": [second["id"], first["id"], second["id"]],
            "set": {"status": "done", "priority": "urgent", "labels": ["Sprint"]},
        },
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [t["id"] for t in items] == [second["id"], first["id"]]
    assert [t["version"] for t in items] == [3, 2]
    for task in items:
        assert (task["status"], task["priority"], task["labels"]) == ("done", "urgent", ["sprint"])
        assert task["completed_at"] is not None
    assert items[0]["title"] == "2"


async def test_a_bulk_update_with_one_unknown_id_changes_nothing(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    missing = "00000000-0000-4000-8000-000000000001"
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [task["id"], missing], "set": {"status": "done"}},
        headers=owner.headers,
    )
    assert assert_problem(response, 404)["missing_ids"] == [missing]
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["status"], row["version"], row["completed_at"]) == ("todo", 1, None)


async def test_a_bulk_update_needs_the_editor_role_on_every_task(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    other, other_inbox = await owner_with_inbox(any_api, "other")
    await add_member(other_inbox, owner, "viewer")
    mine = await create_task(any_api, owner, inbox)
    theirs = await create_task(any_api, other, other_inbox)
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [mine["id"], theirs["id"]], "set": {"priority": "low"}},
        headers=owner.headers,
    )
    assert_problem(response, 403)
    for task in (mine, theirs):
        row = await read_task_row(task["id"])
        assert row is not None
        assert (row["priority"], row["version"]) == ("medium", 1)


async def test_a_bulk_assignee_must_belong_to_every_project_touched(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    other, other_inbox = await owner_with_inbox(any_api, "other")
    await add_member(other_inbox, owner, "editor")
    mine = await create_task(any_api, owner, inbox)
    theirs = await create_task(any_api, other, other_inbox)
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [mine["id"], theirs["id"]], "set": {"assignee_id": str(other.id)}},
        headers=owner.headers,
    )
    assert_problem(response, 422)
    assert (await read_task_row(mine["id"]) or {})["assignee_id"] is None

    cleared = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [mine["id"], theirs["id"]], "set": {"assignee_id": None, "due_at": None}},
        headers=owner.headers,
    )
    assert cleared.status_code == 200, cleared.text


@pytest.mark.parametrize(
    "body",
    [
        {"ids": ["{id}"], "set": {"project_id": "00000000-0000-4000-8000-000000000001"}},
        {"ids": ["{id}"], "set": {"title": "renamed"}},
        {"ids": ["{id}"], "set": {"version": 9}},
        {"ids": ["{id}"], "set": {"creator_id": "00000000-0000-4000-8000-000000000001"}},
        {"ids": ["{id}"], "set": {"status": "done", "completed_at": "2020-01-01T00:00:00Z"}},
        {"ids": ["{id}"], "set": {}},
        {"ids": ["{id}"], "set": {"status": None}},
        {"ids": [], "set": {"status": "done"}},
        {"ids": ["{id}"] * 101, "set": {"status": "done"}},
        {"ids": ["{id}"], "set": {"status": "done"}, "also": 1},
    ],
)
async def test_a_bulk_update_outside_its_allowlist_is_refused_and_changes_nothing(
    any_api: AsyncClient, body: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox)
    body = {**body, "ids": [task["id"] for _ in body["ids"]]}
    response = await any_api.post("/api/tasks/bulk", json=body, headers=owner.headers)
    assert_problem(response, 422)
    row = await read_task_row(task["id"])
    assert row is not None
    assert (row["status"], row["version"], row["project_id"]) == ("todo", 1, inbox)


async def test_a_due_date_keeps_its_instant_whatever_its_offset(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    due = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)
    task = await create_task(any_api, owner, inbox, due_at="2030-01-02T01:30:00+02:00")
    assert datetime.fromisoformat(task["due_at"]) == due


@pytest.mark.parametrize(
    "due_at", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "2030-01-01T00:00:00"]
)
async def test_a_due_date_without_a_utc_instant_is_refused(
    any_api: AsyncClient, due_at: str
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "t", "due_at": due_at},
        headers=owner.headers,
    )
    assert_problem(response, 422)
    listed = await any_api.get(
        f"/api/tasks?due_before={due_at.replace('+', '%2B')}", headers=owner.headers
    )
    assert_problem(listed, 422)


async def test_the_latest_due_date_there_is_still_sorts_before_no_due_date(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    undated = await create_task(any_api, owner, inbox, title="undated")
    latest = await create_task(
        any_api, owner, inbox, title="latest", due_at="9999-12-31T23:59:59.999998Z"
    )
    page = await any_api.get("/api/tasks?sort=due", headers=owner.headers)
    assert [t["id"] for t in page.json()["items"]] == [latest["id"], undated["id"]]


@pytest.mark.parametrize(
    "fields", [{"title": "a\x00b"}, {"description": "\x00"}, {"labels": ["ok", "n\x00"]}]
)
async def test_text_with_a_nul_character_is_refused(
    any_api: AsyncClient, fields: dict[str, Any]
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    created = await any_api.post(
        "/api/tasks", json={"project_id": str(inbox), "title": "t", **fields}, headers=owner.headers
    )
    assert_problem(created, 422)
    task = await create_task(any_api, owner, inbox)
    patched = await any_api.patch(f"/api/tasks/{task['id']}", json=fields, headers=owner.headers)
    assert_problem(patched, 422)
