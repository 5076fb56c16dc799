"""A task's watchers: its creator and assignee, commenters, people mentioned, people who chose
to watch; minus people who chose not to; members only."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.integration.helpers_watchers import (
    comment,
    make_team,
    new_task,
    reasons,
    watchers,
)
from tests.support import assert_problem, share_project


async def test_the_creator_and_the_assignee_watch_a_task(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, assignee_id=str(team.ben.id))

    listing = await watchers(any_api, team.cy, task["id"])

    assert reasons(listing) == {"Ben": "assignee", "Ana Lima": "creator"}
    assert [item["display_name"] for item in listing["items"]] == ["Ana Lima", "Ben"]
    assert listing["watching"] is False
    assert (await watchers(any_api, team.ben, task["id"]))["watching"] is True
    assert {item["user_id"] for item in listing["items"]} == {str(team.ana.id), str(team.ben.id)}


async def test_commenting_makes_the_author_a_watcher(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.cy, task["id"], "I can help")

    listing = await watchers(any_api, team.ana, task["id"])
    assert reasons(listing) == {"Ana Lima": "creator", "Cy": "comment"}


async def test_a_viewer_may_watch_and_unwatch_a_task(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    await share_project(any_api, team.ana, team.project_id, team.dee, role="viewer")
    task = await new_task(any_api, team.ana, team.project_id)
    path = f"/api/tasks/{task['id']}/watchers/me"

    watched = await any_api.put(path, headers=team.dee.headers)
    assert watched.status_code == 200, watched.text
    assert watched.json()["watching"] is True
    assert reasons(watched.json()) == {"Ana Lima": "creator", "Dee": "watch"}
    again = await any_api.put(path, headers=team.dee.headers)
    assert again.json() == watched.json()

    left = await any_api.delete(path, headers=team.dee.headers)
    assert left.status_code == 200, left.text
    assert left.json()["watching"] is False
    assert reasons(left.json()) == {"Ana Lima": "creator"}


async def test_unwatching_wins_over_being_the_creator_assignee_or_a_commenter(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, assignee_id=str(team.ana.id))
    path = f"/api/tasks/{task['id']}/watchers/me"

    left = await any_api.delete(path, headers=team.ana.headers)
    assert left.json() == {"watching": False, "items": []}
    await comment(any_api, team.ana, task["id"], "Still not watching")
    assert (await watchers(any_api, team.ana, task["id"]))["watching"] is False

    back = await any_api.put(path, headers=team.ana.headers)
    assert back.json()["watching"] is True
    assert reasons(back.json()) == {"Ana Lima": "assignee"}


async def test_a_mention_makes_someone_who_stopped_watching_watch_again(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    await any_api.put(f"/api/tasks/{task['id']}/watchers/me", headers=team.ben.headers)
    await any_api.delete(f"/api/tasks/{task['id']}/watchers/me", headers=team.ben.headers)

    await comment(any_api, team.cy, task["id"], "@Ben have a look")

    assert reasons(await watchers(any_api, team.ben, task["id"]))["Ben"] == "mention"


async def test_someone_who_left_the_project_watches_nothing_there(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, assignee_id=str(team.ben.id))
    await comment(any_api, team.cy, task["id"], "On it")

    left = await any_api.delete(
        f"/api/projects/{team.project_id}/members/{team.cy.id}", headers=team.cy.headers
    )
    assert left.status_code == 204, left.text

    assert reasons(await watchers(any_api, team.ana, task["id"])) == {
        "Ben": "assignee",
        "Ana Lima": "creator",
    }


@pytest.mark.parametrize(("method"), ["GET", "PUT", "DELETE"])
async def test_watchers_of_a_task_in_another_project_are_not_found(
    any_api: AsyncClient, method: str
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    path = f"/api/tasks/{task['id']}/watchers" + ("" if method == "GET" else "/me")

    assert_problem(await any_api.request(method, path, headers=team.dee.headers), 404)
    missing = "/api/tasks/00000000-0000-4000-8000-000000000000/watchers"
    assert_problem(
        await any_api.request(
            method, missing + ("" if method == "GET" else "/me"), headers=team.ana.headers
        ),
        404,
    )
    assert_problem(await any_api.request(method, path), 401)
