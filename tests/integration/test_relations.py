"""Relations between tasks: blocks, relates to, duplicates, seen from either side; one per pair
of tasks; made by an editor of the task's project to a task they may read, in any project;
listed only where the reader may read the other task; events for open screens."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from httpx import AsyncClient, Response

from events import types
from events.models import TaskRelationAdded, TaskRelationRemoved
from functions.core import runtime
from functions.core.services import team_changes
from tests.integration.helpers_watchers import Team, make_team, new_task, task_events
from tests.support import User, assert_problem, create_project, share_project, signup

# Each kind as made from one task, and as the other task sees it.
SEEN_FROM_THE_OTHER = {
    "blocks": "blocked_by",
    "blocked_by": "blocks",
    "relates_to": "relates_to",
    "duplicates": "duplicated_by",
    "duplicated_by": "duplicates",
}


async def _relate(api: AsyncClient, user: User, task_id: str, kind: str, other_id: str) -> Response:
    return await api.post(
        f"/api/tasks/{task_id}/relations",
        json={"kind": kind, "task_id": other_id},
        headers=user.headers,
    )


async def _related(api: AsyncClient, user: User, task_id: str, kind: str, other_id: str) -> Any:
    response = await _relate(api, user, task_id, kind, other_id)
    assert response.status_code == 201, response.text
    return response.json()


async def _relations(api: AsyncClient, user: User, task_id: str) -> list[tuple[str, str]]:
    """(kind, other task's id) of each relation the user sees on the task, oldest first."""
    response = await api.get(f"/api/tasks/{task_id}/relations", headers=user.headers)
    assert response.status_code == 200, response.text
    return [(item["kind"], item["task"]["id"]) for item in response.json()["items"]]


def _refused_other(response: Response) -> None:
    body = assert_problem(response, 422)
    assert [e["loc"] for e in body["errors"]] == [["task_id"]]


async def _pair(api: AsyncClient) -> tuple[Team, dict[str, Any], dict[str, Any]]:
    team = await make_team(api)
    first = await new_task(api, team.ana, team.project_id, title="Design")
    second = await new_task(api, team.ana, team.project_id, title="Build")
    return team, first, second


@pytest.mark.parametrize("kind", list(SEEN_FROM_THE_OTHER))
async def test_a_relation_is_seen_from_each_side_with_its_kind(
    any_api: AsyncClient, kind: str
) -> None:
    team, first, second = await _pair(any_api)

    made = await _related(any_api, team.ben, first["id"], kind, second["id"])

    assert made["kind"] == kind
    assert made["task"] == {
        "id": second["id"],
        "project_id": team.project_id,
        "title": "Build",
        "status": "todo",
    }
    assert await _relations(any_api, team.cy, first["id"]) == [(kind, second["id"])]
    assert await _relations(any_api, team.cy, second["id"]) == [
        (SEEN_FROM_THE_OTHER[kind], first["id"])
    ]
    listed = await any_api.get(f"/api/tasks/{second['id']}/relations", headers=team.ana.headers)
    [seen] = listed.json()["items"]
    assert (seen["id"], seen["created_at"]) == (made["id"], made["created_at"])


async def test_two_tasks_have_one_relation_whichever_way_it_is_made(any_api: AsyncClient) -> None:
    team, first, second = await _pair(any_api)
    made = await _related(any_api, team.ana, first["id"], "blocks", second["id"])

    for task, kind, other in (
        (first, "blocks", second),
        (first, "relates_to", second),
        (second, "blocked_by", first),
        (second, "duplicates", first),
    ):
        again = await _relate(any_api, team.ana, task["id"], kind, other["id"])
        body = assert_problem(again, 409)
        assert body["relation_id"] == made["id"]
    assert await _relations(any_api, team.ana, second["id"]) == [("blocked_by", first["id"])]


async def test_a_task_has_many_relations_listed_oldest_first(any_api: AsyncClient) -> None:
    team, first, second = await _pair(any_api)
    third = await new_task(any_api, team.ana, team.project_id, title="Ship")
    await _related(any_api, team.ana, first["id"], "blocks", second["id"])
    await _related(any_api, team.ana, third["id"], "duplicates", first["id"])

    assert await _relations(any_api, team.ana, first["id"]) == [
        ("blocks", second["id"]),
        ("duplicated_by", third["id"]),
    ]


async def test_a_task_cannot_be_related_to_itself_or_to_a_task_the_caller_cannot_read(
    any_api: AsyncClient,
) -> None:
    team, first, _ = await _pair(any_api)
    outsider = await signup(any_api, "outsider")
    hidden = await new_task(any_api, outsider, (await create_project(any_api, outsider))["id"])

    for other_id in (first["id"], hidden["id"], str(uuid.uuid4())):
        _refused_other(await _relate(any_api, team.ana, first["id"], "relates_to", other_id))
    refused = await _relate(any_api, team.ana, first["id"], "relates_to", hidden["id"])
    assert refused.json()["detail"] == "no such task"  # the same as for none at all
    assert await _relations(any_api, team.ana, first["id"]) == []
    unknown = await _relate(any_api, team.ana, first["id"], "causes", hidden["id"])
    assert_problem(unknown, 422)


async def test_tasks_of_different_projects_relate_and_each_reader_sees_what_they_may_read(
    any_api: AsyncClient,
) -> None:
    team, first, _ = await _pair(any_api)
    # Ana runs a second project; Ben is a viewer there, Cy is not in it.
    other_project = await create_project(any_api, team.ana, "Platform")
    await share_project(any_api, team.ana, other_project["id"], team.ben, role="viewer")
    elsewhere = await new_task(any_api, team.ana, other_project["id"], title="API")

    # Ben edits the first project and may read the other: he may relate them.
    made = await _related(any_api, team.ben, first["id"], "blocked_by", elsewhere["id"])
    assert made["task"]["project_id"] == other_project["id"]
    # As a viewer of the other project, he may not make one from there.
    assert_problem(await _relate(any_api, team.ben, elsewhere["id"], "blocks", first["id"]), 403)
    # Cy cannot read the other task: the relation is not shown to him, nor removable by him.
    assert await _relations(any_api, team.cy, first["id"]) == []
    removal = f"/api/tasks/{first['id']}/relations/{made['id']}"
    assert_problem(await any_api.delete(removal, headers=team.cy.headers), 404)
    _refused_other(await _relate(any_api, team.cy, first["id"], "blocks", elsewhere["id"]))
    assert await _relations(any_api, team.ben, elsewhere["id"]) == [("blocks", first["id"])]
    assert await _relations(any_api, team.ana, first["id"]) == [("blocked_by", elsewhere["id"])]


async def test_viewers_read_relations_and_strangers_see_no_task(any_api: AsyncClient) -> None:
    team, first, second = await _pair(any_api)
    await share_project(any_api, team.ana, team.project_id, team.dee, role="viewer")
    made = await _related(any_api, team.ana, first["id"], "relates_to", second["id"])
    stranger = await signup(any_api, "stranger")
    removal = f"/api/tasks/{first['id']}/relations/{made['id']}"

    assert await _relations(any_api, team.dee, first["id"]) == [("relates_to", second["id"])]
    assert_problem(await _relate(any_api, team.dee, second["id"], "blocks", first["id"]), 403)
    assert_problem(await any_api.delete(removal, headers=team.dee.headers), 403)
    listed = await any_api.get(f"/api/tasks/{first['id']}/relations", headers=stranger.headers)
    assert_problem(listed, 404)
    assert_problem(await _relate(any_api, stranger, first["id"], "blocks", second["id"]), 404)
    assert_problem(await any_api.delete(removal, headers=stranger.headers), 404)
    assert await _relations(any_api, team.ana, first["id"]) == [("relates_to", second["id"])]


async def test_either_task_removes_a_relation_and_then_neither_has_it(
    any_api: AsyncClient,
) -> None:
    team, first, second = await _pair(any_api)
    third = await new_task(any_api, team.ana, team.project_id)
    made = await _related(any_api, team.ana, first["id"], "duplicates", second["id"])
    kept = await _related(any_api, team.ana, first["id"], "relates_to", third["id"])

    # Not through a task it does not link, nor one that does not exist.
    wrong = await any_api.delete(
        f"/api/tasks/{third['id']}/relations/{made['id']}", headers=team.ben.headers
    )
    assert_problem(wrong, 404)
    unknown = await any_api.delete(
        f"/api/tasks/{first['id']}/relations/{uuid.uuid4()}", headers=team.ben.headers
    )
    assert_problem(unknown, 404)

    removed = await any_api.delete(
        f"/api/tasks/{second['id']}/relations/{made['id']}", headers=team.ben.headers
    )
    assert removed.status_code == 204, removed.text
    assert await _relations(any_api, team.ana, second["id"]) == []
    assert await _relations(any_api, team.ana, first["id"]) == [("relates_to", third["id"])]
    again = await any_api.delete(
        f"/api/tasks/{second['id']}/relations/{made['id']}", headers=team.ben.headers
    )
    assert_problem(again, 404)
    # Made again, the other way round, beside the one kept.
    remade = await _related(any_api, team.ana, second["id"], "duplicated_by", first["id"])
    assert await _relations(any_api, team.ana, first["id"]) == [
        ("relates_to", third["id"]),
        ("duplicates", second["id"]),
    ]
    assert remade["id"] not in (made["id"], kept["id"])


async def test_deleting_a_task_removes_its_relations(any_api: AsyncClient) -> None:
    team, first, second = await _pair(any_api)
    await _related(any_api, team.ana, first["id"], "blocks", second["id"])

    deleted = await any_api.delete(f"/api/tasks/{first['id']}", headers=team.ana.headers)

    assert deleted.status_code == 204, deleted.text
    assert await _relations(any_api, team.ana, second["id"]) == []


async def test_adding_and_removing_a_relation_reach_the_projects_open_screens(
    any_api: AsyncClient,
) -> None:
    team, first, second = await _pair(any_api)
    made = await _related(any_api, team.ben, second["id"], "blocked_by", first["id"])
    removed = await any_api.delete(
        f"/api/tasks/{second['id']}/relations/{made['id']}", headers=team.ana.headers
    )
    assert removed.status_code == 204, removed.text

    events = [
        e
        for e in await task_events(second["id"])
        if e["type"] in (types.TASK_RELATION_ADDED, types.TASK_RELATION_REMOVED)
    ]
    assert [e["type"] for e in events] == [types.TASK_RELATION_ADDED, types.TASK_RELATION_REMOVED]
    added = TaskRelationAdded.model_validate(events[0].get_data())
    gone = TaskRelationRemoved.model_validate(events[1].get_data())
    # Stored one way: the first task blocks the second.
    for data in (added, gone):
        assert str(data.task.id) == second["id"]
        assert (str(data.relation.id), data.relation.kind) == (made["id"], "blocks")
        assert (str(data.relation.task_id), str(data.relation.related_id)) == (
            first["id"],
            second["id"],
        )
    assert events[0][types.ACTOR_ID] == str(team.ben.id)
    assert events[1][types.ACTOR_ID] == str(team.ana.id)

    rt = runtime.current()
    for event in events:
        assert await team_changes.publish(rt, event) is True
        assert await team_changes.publish(rt, event) is False  # once, however often it comes
    entries = await rt.redis.xrange(team_changes.project_key(rt.settings, team.project_id))
    changes = [json.loads(fields[team_changes.CHANGE_FIELD]) for _, fields in entries]
    published = [c for c in changes if c["event_id"] in {e["id"] for e in events}]
    assert [(c["type"], c["actor_name"]) for c in published] == [
        (types.TASK_RELATION_ADDED, "Ben"),
        (types.TASK_RELATION_REMOVED, "Ana Lima"),
    ]
    assert published[0]["data"]["relation"]["id"] == made["id"]


@pytest.mark.postgres
async def test_the_same_two_tasks_related_both_ways_at_once_get_one_relation(
    api: AsyncClient,
) -> None:
    team, first, second = await _pair(api)
    for _ in range(5):
        made = await asyncio.gather(
            _relate(api, team.ana, first["id"], "blocks", second["id"]),
            _relate(api, team.ben, second["id"], "relates_to", first["id"]),
        )
        assert sorted(r.status_code for r in made) == [201, 409]
        [relation] = [r.json() for r in made if r.status_code == 201]
        assert len(await _relations(api, team.ana, first["id"])) == 1
        removed = await api.delete(
            f"/api/tasks/{first['id']}/relations/{relation['id']}", headers=team.ana.headers
        )
        assert removed.status_code == 204, removed.text
