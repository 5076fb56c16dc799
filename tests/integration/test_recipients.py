"""Who is told: a task's watchers (never the actor, members only), the people mentioned (the
kind `mention`), and of a new task only the members who asked to hear of every one."""

from __future__ import annotations

from httpx import AsyncClient

from tests.integration.helpers_watchers import (
    comment,
    deliver_notices,
    make_team,
    new_task,
    notices,
)
from tests.support import assert_problem


async def test_a_comment_naming_ben_tells_him_he_was_mentioned(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.ana, task["id"], "@Ben can you print these?")
    await deliver_notices(task["id"])

    assert await notices(any_api, team.ben) == [
        ("mention", "Ana Lima mentioned you in “Print banners”: @Ben can you print these?")
    ]
    assert await notices(any_api, team.ana) == []  # the actor is never told
    assert await notices(any_api, team.cy) == []


async def test_a_plain_comment_on_a_task_ben_does_not_watch_tells_him_nothing(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.ana, task["id"], "Printing on Monday")
    await deliver_notices(task["id"])  # each change is delivered as it happens
    await comment(any_api, team.cy, task["id"], "Great")
    await deliver_notices(task["id"])

    assert await notices(any_api, team.ben) == []
    assert await notices(any_api, team.ana) == [
        ("comment.added", "Cy commented on “Print banners”: Great")
    ]
    assert await notices(any_api, team.cy) == []  # not a watcher when Ana commented


async def test_an_unassigned_new_task_tells_only_the_members_who_asked_for_every_one(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    path = f"/api/projects/{team.project_id}/subscription"
    assert (await any_api.get(path, headers=team.cy.headers)).json() == {"new_tasks": False}
    subscribed = await any_api.put(path, json={"new_tasks": True}, headers=team.cy.headers)
    assert subscribed.status_code == 200, subscribed.text
    assert subscribed.json() == {"new_tasks": True}
    project = await any_api.get(f"/api/projects/{team.project_id}", headers=team.cy.headers)
    assert project.json()["notify_new_tasks"] is True

    task = await new_task(any_api, team.ana, team.project_id)
    await deliver_notices(task["id"])

    assert await notices(any_api, team.ben) == []
    assert await notices(any_api, team.cy) == [
        ("task.created", "Ana Lima created “Print banners” in Launch")
    ]


async def test_a_new_task_tells_its_assignee_through_the_assignment_and_mentioned_people(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)

    task = await new_task(
        any_api,
        team.ana,
        team.project_id,
        assignee_id=str(team.ben.id),
        description="@Cy has the artwork",
    )
    await deliver_notices(task["id"])

    assert await notices(any_api, team.ben) == [
        ("task.assigned", "Ana Lima assigned you “Print banners”")
    ]
    assert await notices(any_api, team.cy) == [
        ("mention", "Ana Lima mentioned you in “Print banners”: @Cy has the artwork")
    ]


async def test_changes_tell_the_watchers_and_unwatching_stops_them(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, assignee_id=str(team.ben.id))
    moved = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"status": "in_progress"}, headers=team.cy.headers
    )
    assert moved.status_code == 200, moved.text
    await deliver_notices(task["id"])
    expected = ("task.status_changed", "Cy moved “Print banners” from To do to In progress")
    assert expected in await notices(any_api, team.ana)
    assert expected in await notices(any_api, team.ben)

    left = await any_api.delete(f"/api/tasks/{task['id']}/watchers/me", headers=team.ben.headers)
    assert left.status_code == 200, left.text
    renamed = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"title": "Print posters"}, headers=team.cy.headers
    )
    assert renamed.status_code == 200, renamed.text
    await deliver_notices(task["id"])

    assert ("task.updated", "Cy changed the title of “Print posters”") in await notices(
        any_api, team.ana
    )
    assert [kind for kind, _ in await notices(any_api, team.ben)] == [
        "task.assigned",
        "task.status_changed",
    ]


async def test_a_deletion_tells_those_who_watched_the_task(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    await comment(any_api, team.cy, task["id"], "Will do")

    deleted = await any_api.delete(f"/api/tasks/{task['id']}", headers=team.ben.headers)
    assert deleted.status_code == 204, deleted.text
    await deliver_notices(task["id"])

    assert ("task.deleted", "Ben deleted “Print banners” from Launch") in await notices(
        any_api, team.cy
    )
    assert ("task.deleted", "Ben deleted “Print banners” from Launch") in await notices(
        any_api, team.ana
    )
    assert await notices(any_api, team.ben) == []


async def test_an_edit_that_mentions_someone_tells_only_them(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    made = await comment(any_api, team.cy, task["id"], "Who prints?")
    await deliver_notices(task["id"])

    edited = await any_api.patch(
        f"/api/tasks/{task['id']}/comments/{made['id']}",
        json={"body": "Who prints? @Ben"},
        headers=team.cy.headers,
    )
    assert edited.status_code == 200, edited.text
    await deliver_notices(task["id"])

    assert await notices(any_api, team.ben) == [
        ("mention", "Cy mentioned you in “Print banners”: Who prints? @Ben")
    ]
    assert await notices(any_api, team.ana) == [
        ("comment.added", "Cy commented on “Print banners”: Who prints?")
    ]


async def test_a_non_member_named_in_a_comment_is_never_told(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.ana, task["id"], f"@Dee and @{team.dee.email}")
    await deliver_notices(task["id"])

    assert await notices(any_api, team.dee) == []


async def test_the_subscription_is_for_members_only_and_takes_a_boolean(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    path = f"/api/projects/{team.project_id}/subscription"

    assert_problem(await any_api.get(path, headers=team.dee.headers), 404)
    assert_problem(await any_api.put(path, json={"new_tasks": True}, headers=team.dee.headers), 404)
    for body in ({}, {"new_tasks": "yes"}, {"new_tasks": 1}, {"new_tasks": True, "x": 1}):
        assert_problem(await any_api.put(path, json=body, headers=team.ben.headers), 422)


async def test_an_all_day_date_is_one_change_of_the_due_date_in_the_notice(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    dated = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"due_date": "2030-03-02", "priority": "high"},
        headers=team.cy.headers,
    )
    assert dated.status_code == 200, dated.text
    await deliver_notices(task["id"])

    # due_at and due_date both changed: people read one "due date".
    assert await notices(any_api, team.ana) == [
        ("task.updated", "Cy changed the priority, due date of “Print banners”")
    ]
