"""Team changes on the live stream: the real outbox, relay and functions (the in-process broker
in place of RabbitMQ), real PostgreSQL and Redis, over real HTTP.

Ada runs a project with Ben and Cy; each change Ada makes reaches the open streams of the
project's members as a `change`, and nobody else's. Membership is checked as the stream
reads: removal ends a project's changes at once, an addition starts them without a
reconnect, and a reconnect resumes exactly, or says `refetch` when changes are gone.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudevents.http import CloudEvent

from events import types
from events.codec import new_event
from events.models import ProjectDeleted
from events.transport.inprocess import start_embedded_pipeline
from functions.core import migrate
from functions.core.errors import InvalidInput
from functions.core.runtime import Runtime
from functions.core.services import team_changes
from functions.core.settings import Settings
from tests.conftest import make_test_settings
from tests.integration.test_notification_stream import (
    HEARTBEAT_SECONDS,
    EventReader,
    Live,
    open_stream,
    serving_gateway,
)
from tests.support import User, create_project, share_project, signup

# Timing-sensitive streams over a whole pipeline: run alone, not beside the parallel suite.
pytestmark = pytest.mark.exclusive

ARRIVAL_SECONDS = 5.0
# A pipeline that cannot stop in this long is left behind, not waited on forever.
STOP_SECONDS = 15.0
# Quiet spells long enough that a change that was going to come would have come (~1.5 s).
QUIET_HEARTBEATS = 5


@dataclass
class Event:
    name: str
    id: str | None
    data: dict[str, Any]


async def next_event(stream: EventReader, within: float = ARRIVAL_SECONDS) -> Event:
    """The next event with data, past heartbeats."""
    async with asyncio.timeout(within):
        while True:
            block = await stream.block(within)
            assert block is not None, "the stream ended"
            if "data" in block.fields:
                f = block.fields
                return Event(f.get("event", "message"), f.get("id"), json.loads(f["data"]))


async def next_change(stream: EventReader, within: float = ARRIVAL_SECONDS) -> Event:
    """The next `change` (notifications that come meanwhile are passed over)."""
    while True:
        event = await next_event(stream, within)
        if event.name != "notification":
            assert event.name == "change", event
            return event


async def no_change(stream: EventReader, heartbeats: int = QUIET_HEARTBEATS) -> None:
    """Nothing but notifications while the stream sends `heartbeats` heartbeats (each comes
    after a quiet spell): read to the end, never cut short, which would end the reader."""
    seen = 0
    while seen < heartbeats:
        block = await stream.block()
        assert block is not None, "the stream ended"
        assert block.fields.get("event") in (None, "notification"), block
        seen += "heartbeat" in block.comments


@dataclass
class Team:
    api: httpx.AsyncClient
    ada: User
    ben: User
    cy: User
    project_id: str

    async def create_task(self, title: str, by: User | None = None) -> dict[str, Any]:
        answer = await self.api.post(
            "/api/tasks",
            json={"project_id": self.project_id, "title": title},
            headers=(by or self.ada).headers,
        )
        assert answer.status_code == 201, answer.text
        task: dict[str, Any] = answer.json()
        return task

    async def patch_task(self, task_id: str, **fields: Any) -> dict[str, Any]:
        answer = await self.api.patch(
            f"/api/tasks/{task_id}", json=fields, headers=self.ada.headers
        )
        assert answer.status_code == 200, answer.text
        task: dict[str, Any] = answer.json()
        return task


@pytest.fixture
async def team_live(backend: str, pg_settings: Settings, tmp_path: Path) -> AsyncIterator[Live]:
    """The gateway over HTTP with the outbox relayed to the functions, in this process: on the
    real servers, then on the embedded mode's stand-ins (a SQLite file of its own)."""
    base = pg_settings
    if backend == "embedded":
        base = make_test_settings(env="dev", data_dir=tmp_path)
        migrate.upgrade(base.effective_database_url)
    settings = base.model_copy(update={"stream_heartbeat_seconds": HEARTBEAT_SECONDS})
    rt = Runtime(settings)
    async with serving_gateway(rt) as served:
        pipeline = await start_embedded_pipeline(rt)
        try:
            yield served
        finally:
            await asyncio.wait_for(pipeline.stop(), STOP_SECONDS)


async def make_team(live: Live) -> Team:
    api = live.api
    ada, ben, cy = await signup(api, "ada"), await signup(api, "ben"), await signup(api, "cy")
    project = await create_project(api, ada, "Launch")
    # Settled: both additions have reached the project's changes before any test reads them.
    async with open_stream(live.base_url, ada) as own:
        for member in (ben, cy):
            await share_project(api, ada, project["id"], member)
        for _ in (ben, cy):
            assert (await next_change(own)).data["type"] == types.MEMBER_ADDED
    return Team(api, ada, ben, cy, project["id"])


async def test_each_kind_of_task_change_reaches_a_members_open_stream_with_who_made_it(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    async with open_stream(team_live.base_url, team.ben) as ben:
        task = await team.create_task("Write the notes")
        created = await next_change(ben)
        assert created.data["type"] == types.TASK_CREATED
        assert created.data["project_id"] == team.project_id
        assert created.data["actor_id"] == str(team.ada.id)
        assert created.data["actor_name"] == "Ada"
        assert created.data["data"]["task"] == {**task, "description": ""} | task
        assert created.id is not None
        assert created.id.startswith("n:")

        await team.patch_task(task["id"], title="Write the release notes", description="For 2.0")
        updated = (await next_change(ben)).data
        assert updated["type"] == types.TASK_UPDATED
        assert sorted(updated["data"]["changed"]) == ["description", "title"]
        assert updated["data"]["previous"]["title"] == "Write the notes"
        assert updated["data"]["previous"]["description"] == ""
        assert updated["data"]["task"]["description"] == "For 2.0"

        await team.patch_task(task["id"], status="in_progress")
        moved = (await next_change(ben)).data
        assert moved["type"] == types.TASK_STATUS_CHANGED
        assert (moved["data"]["previous_status"], moved["data"]["task"]["status"]) == (
            "todo",
            "in_progress",
        )

        answer = await team.api.post(
            f"/api/tasks/{task['id']}/comments",
            json={"body": "Draft is up"},
            headers=team.ada.headers,
        )
        assert answer.status_code == 201, answer.text
        comment = (await next_change(ben)).data
        assert comment["type"] == types.COMMENT_ADDED
        assert comment["data"]["body"] == "Draft is up"
        assert comment["data"]["comment_id"] == answer.json()["id"]

        deleted = await team.api.delete(
            f"/api/tasks/{task['id']}/comments/{answer.json()['id']}", headers=team.ada.headers
        )
        assert deleted.status_code == 204
        assert (await next_change(ben)).data["type"] == types.COMMENT_DELETED

        assert (
            await team.api.delete(f"/api/tasks/{task['id']}", headers=team.ada.headers)
        ).status_code == 204
        gone = (await next_change(ben)).data
        assert (gone["type"], gone["data"]["task"]["id"]) == (types.TASK_DELETED, task["id"])


async def test_a_stream_carries_only_the_changes_of_its_owners_projects(team_live: Live) -> None:
    team = await make_team(team_live)
    outsider = await signup(team_live.api, "dee")
    own = await create_project(team_live.api, outsider, "Elsewhere")
    async with open_stream(team_live.base_url, outsider) as dee:
        await team.create_task("Not for Dee")
        await no_change(dee)
        answer = await team_live.api.post(
            "/api/tasks",
            json={"project_id": own["id"], "title": "Dee's own"},
            headers=outsider.headers,
        )
        assert answer.status_code == 201
        assert (await next_change(dee)).data["data"]["task"]["title"] == "Dee's own"


async def test_a_removed_member_stops_receiving_at_once_and_the_others_carry_on(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    async with (
        open_stream(team_live.base_url, team.ben) as ben,
        open_stream(team_live.base_url, team.cy) as cy,
    ):
        answer = await team.api.delete(
            f"/api/projects/{team.project_id}/members/{team.ben.id}", headers=team.ada.headers
        )
        assert answer.status_code == 204
        removed = (await next_change(ben)).data
        assert removed["type"] == types.MEMBER_REMOVED
        assert removed["data"]["user_id"] == str(team.ben.id)
        assert (await next_change(cy)).data["type"] == types.MEMBER_REMOVED

        await team.create_task("After Ben left")
        assert (await next_change(cy)).data["data"]["task"]["title"] == "After Ben left"
        await no_change(ben)


async def test_a_member_added_while_streaming_receives_the_projects_changes_without_reconnecting(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    dee = await signup(team_live.api, "dee")
    async with open_stream(team_live.base_url, dee) as stream:
        await share_project(team.api, team.ada, team.project_id, dee)
        added = (await next_change(stream)).data
        assert (added["type"], added["data"]["user_id"]) == (types.MEMBER_ADDED, str(dee.id))
        assert added["data"]["display_name"] == "Dee"
        await team.create_task("Welcome, Dee")
        assert (await next_change(stream)).data["data"]["task"]["title"] == "Welcome, Dee"


async def test_a_reconnect_with_last_event_id_replays_exactly_the_changes_missed(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    async with open_stream(team_live.base_url, team.ben) as ben:
        await team.create_task("Seen")
        seen = await next_change(ben)
    assert seen.id is not None
    # Cy's stream shows when they have reached the project's changes, with Ben away.
    async with open_stream(team_live.base_url, team.cy) as cy:
        for title in ("Missed 1", "Missed 2"):
            await team.create_task(title)
        await next_change(cy)
        await next_change(cy)

    async with open_stream(team_live.base_url, team.ben, last_event_id=seen.id) as ben:
        replayed = [(await next_change(ben)).data["data"]["task"]["title"] for _ in range(2)]
        await team.create_task("Live again")
        after = (await next_change(ben)).data["data"]["task"]["title"]
        await no_change(ben, heartbeats=2)
    assert [*replayed, after] == ["Missed 1", "Missed 2", "Live again"]


async def test_a_reconnect_after_the_kept_changes_moved_on_is_told_to_refetch(
    pg_settings: Settings,
) -> None:
    settings = pg_settings.model_copy(
        update={"stream_heartbeat_seconds": HEARTBEAT_SECONDS, "team_changes_kept": 10}
    )
    rt = Runtime(settings)
    async with serving_gateway(rt) as live:
        pipeline = await start_embedded_pipeline(rt)
        try:
            team = await make_team(live)
            async with open_stream(live.base_url, team.ben) as ben:
                await team.create_task("Seen")
                seen = await next_change(ben)
            assert seen.id is not None
            async with open_stream(live.base_url, team.cy) as cy:
                for n in range(12):
                    await team.create_task(f"While away {n}")
                for _ in range(12):
                    await next_change(cy)
            async with open_stream(live.base_url, team.ben, last_event_id=seen.id) as ben:
                first = await next_event(ben)
                assert (first.name, first.data) == ("refetch", {})
                await team.create_task("After the refetch")
                live_change = await next_change(ben)
                assert live_change.data["data"]["task"]["title"] == "After the refetch"
        finally:
            await asyncio.wait_for(pipeline.stop(), STOP_SECONDS)


async def test_a_reconnect_after_removal_says_the_project_is_revoked(team_live: Live) -> None:
    team = await make_team(team_live)
    async with open_stream(team_live.base_url, team.ben) as ben:
        await team.create_task("Seen")
        seen = await next_change(ben)
    assert seen.id is not None
    assert uuid.UUID(team.project_id).hex in seen.id
    answer = await team.api.delete(
        f"/api/projects/{team.project_id}/members/{team.ben.id}", headers=team.ada.headers
    )
    assert answer.status_code == 204
    async with open_stream(team_live.base_url, team.ben, last_event_id=seen.id) as ben:
        revoked = await next_event(ben)
        assert (revoked.name, revoked.data) == ("revoked", {"project_id": team.project_id})
        await team.create_task("Not for Ben any more")
        await no_change(ben)


@pytest.mark.parametrize(
    "last_event_id",
    ["nonsense", "n:1-0~a:1-0~t:x", "n:1-0~a:1-0~t:1~nothex:1-0", "n:1-0~a:zz~t:1"],
)
async def test_a_last_event_id_the_stream_never_sent_starts_from_now_after_a_refetch(
    team_live: Live, last_event_id: str
) -> None:
    team = await make_team(team_live)
    async with open_stream(team_live.base_url, team.ben, last_event_id=last_event_id) as ben:
        first = await next_event(ben)
        assert (first.name, first.data) == ("refetch", {})
        await team.create_task("After the refetch")
        change = await next_change(ben)
        assert change.data["data"]["task"]["title"] == "After the refetch"


def _deleted_event(project_id: uuid.UUID, actor: uuid.UUID) -> CloudEvent:
    return new_event(
        types.PROJECT_DELETED,
        ProjectDeleted(project_id=project_id, project_name="Launch"),
        source=types.source_of("delete_project"),
        subject=str(project_id),
        project_id=project_id,
        actor_id=actor,
    )


async def test_a_change_published_twice_is_kept_once(pg_settings: Settings) -> None:
    rt = Runtime(pg_settings)
    try:
        project_id, actor = uuid.uuid4(), uuid.uuid4()
        event = _deleted_event(project_id, actor)
        assert await team_changes.publish(rt, event) is True
        assert await team_changes.publish(rt, event) is False
        key = team_changes.project_key(pg_settings, project_id)
        (entry,) = await rt.redis.xrange(key)
        change = json.loads(entry[1][team_changes.CHANGE_FIELD])
        assert (change["type"], change["event_id"]) == (types.PROJECT_DELETED, event["id"])
        assert change["actor_name"] is None  # no such account
        await rt.redis.delete(key)
    finally:
        await rt.close()


async def test_a_change_whose_data_does_not_fit_its_schema_is_refused(
    pg_settings: Settings,
) -> None:
    rt = Runtime(pg_settings)
    try:
        event = _deleted_event(uuid.uuid4(), uuid.uuid4())
        broken = CloudEvent(dict(event.get_attributes()), {"project_name": 7})
        with pytest.raises(InvalidInput):
            await team_changes.publish(rt, broken)
    finally:
        await rt.close()


async def test_project_and_membership_changes_reach_the_members_and_a_deletion_ends_the_view(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    project = f"/api/projects/{team.project_id}"
    async with open_stream(team_live.base_url, team.ben) as ben:
        renamed = await team.api.patch(project, json={"name": "Launch 2"}, headers=team.ada.headers)
        assert renamed.status_code == 200, renamed.text
        change = (await next_change(ben)).data
        assert change["type"] == types.PROJECT_UPDATED
        assert (change["data"]["project"]["name"], change["data"]["changed"]) == (
            "Launch 2",
            ["name"],
        )

        role = await team.api.patch(
            f"{project}/members/{team.cy.id}", json={"role": "viewer"}, headers=team.ada.headers
        )
        assert role.status_code == 200, role.text
        change = (await next_change(ben)).data
        assert change["type"] == types.MEMBER_CHANGED
        assert (change["data"]["previous_role"], change["data"]["role"]) == ("editor", "viewer")

        assert (await team.api.delete(project, headers=team.ada.headers)).status_code == 204
        change = (await next_change(ben)).data
        assert (change["type"], change["project_id"]) == (types.PROJECT_DELETED, team.project_id)
        await no_change(ben, heartbeats=2)


async def test_a_removed_assignees_tasks_are_unassigned_on_every_open_screen(
    team_live: Live,
) -> None:
    team = await make_team(team_live)
    async with open_stream(team_live.base_url, team.cy) as cy:
        task = await team.create_task("Ben's")
        await team.patch_task(task["id"], assignee_id=str(team.ben.id))
        assert (await next_change(cy)).data["type"] == types.TASK_CREATED
        assert (await next_change(cy)).data["type"] == types.TASK_ASSIGNED
        answer = await team.api.delete(
            f"/api/projects/{team.project_id}/members/{team.ben.id}", headers=team.ada.headers
        )
        assert answer.status_code == 204
        # Events of one transaction may be delivered in either order.
        changes = {c["type"]: c for c in [(await next_change(cy)).data for _ in range(2)]}
        assert changes[types.MEMBER_REMOVED]["data"]["unassigned_task_ids"] == [task["id"]]
        unassigned = changes[types.TASK_UPDATED]["data"]
        assert unassigned["changed"] == ["assignee_id"]
        assert unassigned["previous"]["assignee_id"] == str(team.ben.id)
        assert unassigned["task"]["assignee_id"] is None
