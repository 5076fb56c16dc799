"""Mentions in comments and descriptions: members only, newly mentioned only, on the events,
and the people mentioned watch the task."""

from __future__ import annotations

from httpx import AsyncClient

from events import types
from tests.integration.helpers_watchers import (
    comment,
    ids,
    make_team,
    new_task,
    reasons,
    task_events,
    watchers,
)


async def _mentioned_ids(task_id: str, event_type: str) -> list[list[str]]:
    return [
        e.get_data()["mentioned_ids"] for e in await task_events(task_id) if e["type"] == event_type
    ]


async def test_a_comment_names_members_on_its_event_and_they_watch_the_task(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.ana, task["id"], "@Ben and @cy: see @Dee and @Ana Lima")

    # Dee is in no project of theirs; Ana wrote it (no one mentions themselves).
    assert await _mentioned_ids(task["id"], types.COMMENT_ADDED) == [ids(team.ben, team.cy)]
    assert reasons(await watchers(any_api, team.ana, task["id"])) == {
        "Ana Lima": "creator",
        "Ben": "mention",
        "Cy": "mention",
    }


async def test_a_member_is_mentioned_by_e_mail_address_too(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)

    await comment(any_api, team.ana, task["id"], f"cc @{team.ben.email.upper()}.")

    assert await _mentioned_ids(task["id"], types.COMMENT_ADDED) == [ids(team.ben)]


async def test_a_description_mentions_on_creation_and_an_update_only_the_newly_mentioned(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, description="Ask @Ben")

    changed = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"description": "Ask @Ben and @Cy"},
        headers=team.ana.headers,
    )
    assert changed.status_code == 200, changed.text
    retitled = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"title": "Print posters"}, headers=team.ana.headers
    )
    assert retitled.status_code == 200, retitled.text

    assert await _mentioned_ids(task["id"], types.TASK_CREATED) == [ids(team.ben)]
    assert await _mentioned_ids(task["id"], types.TASK_UPDATED) == [ids(team.cy), []]
    assert reasons(await watchers(any_api, team.ana, task["id"])) == {
        "Ana Lima": "creator",
        "Ben": "mention",
        "Cy": "mention",
    }


async def test_an_edited_comment_names_only_the_people_it_newly_mentions(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    made = await comment(any_api, team.ana, task["id"], "@Ben look")

    edited = await any_api.patch(
        f"/api/tasks/{task['id']}/comments/{made['id']}",
        json={"body": "@Ben and @Cy look"},
        headers=team.ana.headers,
    )
    assert edited.status_code == 200, edited.text

    assert await _mentioned_ids(task["id"], types.COMMENT_UPDATED) == [ids(team.cy)]


async def test_a_former_member_is_no_longer_resolved(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id)
    removed = await any_api.delete(
        f"/api/projects/{team.project_id}/members/{team.cy.id}", headers=team.ana.headers
    )
    assert removed.status_code == 204, removed.text

    await comment(any_api, team.ana, task["id"], "@Cy are you there?")

    assert await _mentioned_ids(task["id"], types.COMMENT_ADDED) == [[]]
    assert "Cy" not in reasons(await watchers(any_api, team.ana, task["id"]))
