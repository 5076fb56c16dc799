"""The in-app feed: events delivered once to the people they concern, read, paged and capped."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from httpx import ASGITransport, AsyncClient, Response
from starlette.applications import Starlette
from starlette.routing import Route

from events import types
from events.codec import binary_http, new_event, structured_http
from events.models import CommentAdded, MemberAdded, TaskSnapshot
from functions.core import runtime
from functions.core.runtime import Runtime
from functions.core.settings import Settings
from functions.notifications import deliver_notification
from tests.support import User, assert_problem, create_project, serve, share_project, signup

DELIVER_PATH = "/events/deliver-notification"
TITLE = "Write the launch post"


@dataclass
class Team:
    """Ada owns the project and made the task; Ben is its assignee; Cy is another member."""

    ada: User
    ben: User
    cy: User
    project_id: uuid.UUID
    task: TaskSnapshot


async def make_team(api: AsyncClient, title: str = TITLE) -> Team:
    ada, ben, cy = await signup(api, "ada"), await signup(api, "ben"), await signup(api, "cy")
    project = await create_project(api, ada, "Launch")
    for member in (ben, cy):
        await share_project(api, ada, project["id"], member)
    created = await api.post(
        "/api/tasks",
        json={"project_id": project["id"], "title": title, "assignee_id": str(ben.id)},
        headers=ada.headers,
    )
    assert created.status_code == 201, created.text
    return Team(ada, ben, cy, uuid.UUID(project["id"]), TaskSnapshot.model_validate(created.json()))


def comment_event(team: Team, author: User, excerpt: str = "Looks good") -> CloudEvent:
    """`author` comments on the task: its assignee (Ben) and its creator (Ada) are told."""
    data = CommentAdded(
        task=team.task, comment_id=uuid.uuid4(), author_id=author.id, excerpt=excerpt
    )
    return new_event(
        types.COMMENT_ADDED,
        data,
        source=types.source_of("add_comment"),
        subject=f"tasks/{team.task.id}",
        project_id=team.project_id,
        actor_id=author.id,
    )


def member_added_event(team: Team, member: User) -> CloudEvent:
    """Ada adds `member` to the project: only they are told."""
    data = MemberAdded(
        project_id=team.project_id, project_name="Launch", user_id=member.id, role="editor"
    )
    return new_event(
        types.MEMBER_ADDED,
        data,
        source=types.source_of("add_member"),
        subject=f"projects/{team.project_id}",
        project_id=team.project_id,
        actor_id=team.ada.id,
    )


async def deliver(event: CloudEvent, mode: str = "binary") -> Response:
    """POST the event to deliver_notification as the broker does, on the installed runtime."""
    headers, body = binary_http(event) if mode == "binary" else structured_http(event)
    return await post_to_sink(headers, body)


async def post_to_sink(headers: dict[str, str], body: bytes) -> Response:
    app = Starlette(routes=[Route(DELIVER_PATH, deliver_notification, methods=["POST"])])
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://sink.test") as sink:
        return await sink.post(DELIVER_PATH, headers=headers, content=body)


async def feed(api: AsyncClient, user: User, **params: Any) -> dict[str, Any]:
    response = await api.get("/api/notifications", params=params, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def unread(api: AsyncClient, user: User) -> int:
    response = await api.get("/api/notifications/unread-count", headers=user.headers)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


async def mark_read(api: AsyncClient, user: User, body: dict[str, Any]) -> int:
    response = await api.post("/api/notifications/read", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    count: int = response.json()["unread"]
    return count


def excerpts(page: dict[str, Any]) -> list[str]:
    return [item["message"].rsplit(": ", 1)[-1] for item in page["items"]]


async def deliver_notes(team: Team, count: int) -> None:
    """Cy comments `note 0` .. `note {count-1}`, in that order: Ben and Ada hear of each."""
    for n in range(count):
        assert (await deliver(comment_event(team, team.cy, f"note {n}"))).status_code == 202


async def test_each_person_an_event_concerns_is_told_once_and_the_actor_never(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    event = comment_event(team, team.cy)

    response = await deliver(event)

    assert response.status_code == 202, response.text
    for person in (team.ada, team.ben):
        (item,) = (await feed(any_api, person))["items"]
        assert item["message"] == f"Cy commented on “{TITLE}”: Looks good"
        assert item["kind"] == "comment.added"
        assert item["task_id"] == str(team.task.id)
        assert item["project_id"] == str(team.project_id)
        assert item["actor_id"] == str(team.cy.id)
        assert item["read"] is False
        assert await unread(any_api, person) == 1
    assert (await feed(any_api, team.cy))["items"] == []
    assert await unread(any_api, team.cy) == 0


async def test_an_event_delivered_three_times_is_one_notification(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    event = comment_event(team, team.cy)

    statuses = [
        (await deliver(event, mode)).status_code for mode in ("binary", "structured", "binary")
    ]

    assert statuses == [202, 202, 202]
    assert len((await feed(any_api, team.ben))["items"]) == 1
    assert await unread(any_api, team.ben) == 1


async def test_five_deliveries_of_one_event_at_once_store_one_notification(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    event = comment_event(team, team.cy)

    responses = await asyncio.gather(
        *(deliver(event, "binary" if n % 2 else "structured") for n in range(5))
    )

    assert [r.status_code for r in responses] == [202] * 5
    for person in (team.ada, team.ben):
        assert len((await feed(any_api, person))["items"]) == 1
        assert await unread(any_api, person) == 1


async def test_a_replayed_event_leaves_a_read_notification_read(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    event = comment_event(team, team.cy)
    assert (await deliver(event)).status_code == 202
    assert await mark_read(any_api, team.ben, {"all": True}) == 0

    assert (await deliver(event)).status_code == 202

    (item,) = (await feed(any_api, team.ben))["items"]
    assert item["read"] is True
    assert await unread(any_api, team.ben) == 0


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"content-type": "application/json"}, b'{"hello": "world"}'),
        ({"content-type": "application/cloudevents+json"}, b"{not json"),
        ({"content-type": "application/cloudevents+json"}, b'{"specversion": "1.0"}'),
    ],
    ids=["plain-json", "structured-not-json", "structured-without-attributes"],
)
@pytest.mark.usefixtures("api")
async def test_a_request_that_is_not_a_cloudevent_is_a_400_problem(
    headers: dict[str, str], body: bytes
) -> None:
    assert_problem(await post_to_sink(headers, body), 400)


@pytest.mark.usefixtures("api")
async def test_event_data_that_does_not_fit_its_schema_is_a_400_problem() -> None:
    event = CloudEvent(
        {"type": types.COMMENT_ADDED, "source": "/tests", "id": str(uuid.uuid4())},
        {"task": "not a task snapshot"},
    )
    for mode in ("binary", "structured"):
        body = assert_problem(await deliver(event, mode), 400)
        assert "schema" in body["detail"]


@pytest.mark.usefixtures("api")
async def test_an_event_type_it_does_not_take_is_a_400_problem() -> None:
    event = CloudEvent({"type": types.TASK_CREATE, "source": "/tests"}, {"title": "x"})
    body = assert_problem(await deliver(event), 400)
    assert body["title"] == "Unsupported event type"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listened: connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_a_delivery_while_redis_is_down_is_a_503_and_its_retry_is_stored_once(
    api: AsyncClient, pg_settings: Settings, closed_port: int
) -> None:
    team = await make_team(api)
    event = comment_event(team, team.cy)
    redisless = Runtime(
        pg_settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    )
    previous = runtime.install(redisless)
    try:
        refused = await deliver(event)
    finally:
        runtime.install(previous)
        await redisless.close()

    assert_problem(refused, 503)
    assert (await feed(api, team.ben))["items"] == []
    assert (await deliver(event)).status_code == 202  # the broker's retry, Redis back
    assert (await deliver(event)).status_code == 202
    assert len((await feed(api, team.ben))["items"]) == 1


async def test_marking_some_read_keeps_the_unread_count_exact(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    await deliver_notes(team, 3)
    newest, middle, oldest = (await feed(any_api, team.ben))["items"]

    assert await mark_read(any_api, team.ben, {"ids": [middle["id"]]}) == 2
    assert await mark_read(any_api, team.ben, {"ids": [middle["id"]]}) == 2  # already read
    assert await mark_read(any_api, team.ben, {"ids": ["1-0"]}) == 2  # no such notification

    listed = await feed(any_api, team.ben)
    assert [item["read"] for item in listed["items"]] == [False, True, False]
    unread_only = await feed(any_api, team.ben, unread_only="true")
    assert [item["id"] for item in unread_only["items"]] == [newest["id"], oldest["id"]]
    assert await unread(any_api, team.ben) == 2
    assert await unread(any_api, team.ada) == 3  # her copies are hers


async def test_marking_all_read_leaves_none_unread_until_the_next_one(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    await deliver_notes(team, 3)

    assert await mark_read(any_api, team.ben, {"all": True}) == 0
    assert all(item["read"] for item in (await feed(any_api, team.ben))["items"])
    assert (await feed(any_api, team.ben, unread_only="true"))["items"] == []

    assert (await deliver(comment_event(team, team.cy, "one more"))).status_code == 202
    assert await unread(any_api, team.ben) == 1
    newest = (await feed(any_api, team.ben))["items"][0]
    assert (excerpts({"items": [newest]}), newest["read"]) == (["one more"], False)


@pytest.mark.parametrize(
    "body",
    [{}, {"all": False}, {"ids": []}, {"ids": ["1-0"], "all": True}, {"ids": ["nope"]}],
    ids=["nothing", "all-false", "no-ids", "both", "not-an-id"],
)
async def test_marking_read_takes_ids_or_all_and_nothing_else(
    api: AsyncClient, body: dict[str, Any]
) -> None:
    user = await signup(api, "marker")
    response = await api.post("/api/notifications/read", json=body, headers=user.headers)
    assert_problem(response, 422)


async def test_the_feed_pages_newest_first_and_its_cursor_never_repeats_or_skips(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    await deliver_notes(team, 5)

    async def pages(**params: Any) -> list[list[str]]:
        found, cursor = [], None
        while True:
            page = await feed(
                any_api, team.ben, limit=2, **params, **({"cursor": cursor} if cursor else {})
            )
            found.append(excerpts(page))
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    assert await pages() == [["note 4", "note 3"], ["note 2", "note 1"], ["note 0"]]
    listed = (await feed(any_api, team.ben))["items"]
    await mark_read(any_api, team.ben, {"ids": [listed[1]["id"], listed[3]["id"]]})
    assert await pages(unread_only="true") == [["note 4", "note 2"], ["note 0"]]
    assert excerpts(await feed(any_api, team.ben, limit=0)) == ["note 4"]  # clamped to 1


async def test_a_cursor_the_feed_did_not_give_out_is_a_404(api: AsyncClient) -> None:
    user = await signup(api, "forger")
    response = await api.get(
        "/api/notifications", params={"cursor": "not-a-cursor"}, headers=user.headers
    )
    assert_problem(response, 404)


async def test_the_feed_keeps_only_its_newest_notifications_and_counts_only_those(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    small = Runtime(runtime.current().settings.model_copy(update={"notification_feed_size": 10}))
    try:
        async with serve(small) as api:
            await deliver_notes(team, 12)
            listed = await feed(api, team.ben, limit=100)
            assert excerpts(listed) == [f"note {n}" for n in range(11, 1, -1)]
            assert await unread(api, team.ben) == 10
            assert len((await feed(api, team.ben, unread_only="true", limit=100))["items"]) == 10
            # The four oldest read: two new ones push out two read ones, so 6 + 2 are unread.
            oldest_four = [item["id"] for item in listed["items"][-4:]]
            assert await mark_read(api, team.ben, {"ids": oldest_four}) == 6
            await deliver_notes(team, 2)
            assert await unread(api, team.ben) == 8
            # Four more push out the last two read ones and two unread ones: 8 + 4 - 2.
            await deliver_notes(team, 4)
            assert await unread(api, team.ben) == 10
            assert len((await feed(api, team.ben, limit=100))["items"]) == 10
    finally:
        await small.close()


async def test_a_person_sees_and_marks_only_their_own_notifications(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    assert (await deliver(member_added_event(team, team.cy))).status_code == 202
    (cys,) = (await feed(any_api, team.cy))["items"]
    assert cys["message"] == "Ada added you to Launch as editor"

    assert (await feed(any_api, team.ben))["items"] == []
    assert (await feed(any_api, team.ada))["items"] == []
    assert await mark_read(any_api, team.ben, {"ids": [cys["id"]]}) == 0
    assert await mark_read(any_api, team.ada, {"all": True}) == 0
    assert await unread(any_api, team.cy) == 1
    assert (await feed(any_api, team.cy))["items"][0]["read"] is False
