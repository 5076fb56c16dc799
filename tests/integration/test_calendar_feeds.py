"""Calendar feeds: a private iCalendar URL per feed, read by calendar apps without a token.

The documents are read back with vobject, an iCalendar parser independent of the library that
writes them. Events reach `refresh_calendars` as the broker would bring them: from the outbox,
delivered by the test (nothing else delivers them here, so what a fetch shows before then is
the cached document).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import vobject
from cloudevents.http import CloudEvent
from httpx import AsyncClient, Response
from sqlalchemy import select

from events import types
from functions.core import runtime
from functions.core.outbox import from_row
from functions.core.services.calendar import DESCRIPTION_CHARS
from functions.core.tables import outbox
from functions.routes import routes_for
from tests.integration.helpers_notifications import deliver, sinks
from tests.integration.helpers_watchers import comment, new_task, person
from tests.support import User, assert_problem, create_project, share_project

REFRESH_PATH = routes_for("refresh_calendars")[0].path


@dataclass
class Team:
    """Ana owns the project; Ben and Cy are editors in it."""

    ana: User
    ben: User
    cy: User
    project_id: str


async def make_team(api: AsyncClient) -> Team:
    ana, ben, cy = await person(api, "Ana"), await person(api, "Ben"), await person(api, "Cy")
    project = await create_project(api, ana, "Launch")
    for member in (ben, cy):
        await share_project(api, ana, project["id"], member)
    return Team(ana, ben, cy, project["id"])


async def create_feed(api: AsyncClient, user: User, **body: Any) -> dict[str, Any]:
    response = await api.post("/api/calendar/feeds", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    feed: dict[str, Any] = response.json()
    return feed


async def fetch(api: AsyncClient, feed: dict[str, Any], **headers: str) -> Response:
    """The feed as a calendar app fetches it: its URL and no token."""
    return await api.get(urlsplit(feed["url"]).path, headers=headers)


async def read_calendar(api: AsyncClient, feed: dict[str, Any]) -> Any:
    response = await fetch(api, feed)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return vobject.readOne(response.text)


def events_of(calendar: Any) -> dict[str, Any]:
    """The calendar's VEVENTs by task id."""
    return {
        event.uid.value.removesuffix("@taskflow"): event
        for event in calendar.contents.get("vevent", [])
    }


async def patch_task(api: AsyncClient, user: User, task_id: str, **fields: Any) -> None:
    response = await api.patch(f"/api/tasks/{task_id}", json=fields, headers=user.headers)
    assert response.status_code == 200, response.text


async def outbox_mark() -> int:
    async with runtime.current().engine.connect() as conn:
        return int(await conn.scalar(select(outbox.c.id).order_by(outbox.c.id.desc())) or 0)


async def deliver_changes(since: int) -> int:
    """Each event written after `since` that `refresh_calendars` takes, delivered to it as the
    broker does; returns the new mark."""
    async with runtime.current().engine.connect() as conn:
        rows = (
            await conn.execute(select(outbox).where(outbox.c.id > since).order_by(outbox.c.id))
        ).all()
    subscribed = routes_for("refresh_calendars")[0].subscribes
    async with sinks(runtime.current()) as client:
        for row in rows:
            event = from_row(row._mapping)
            if event["type"] in subscribed:
                response = await deliver(client, REFRESH_PATH, event)
                assert response.status_code == 202, response.text
    return max((row.id for row in rows), default=since)


def soon(days: int, hour: int = 14, minute: int = 30) -> datetime:
    """An instant `days` from now, at a set time of day (UTC)."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def day_from_now(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


async def test_the_feed_holds_the_persons_assigned_and_watched_tasks_with_due_dates(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    ben, cy, project = team.ben, team.cy, team.project_id
    ben_id = str(ben.id)
    all_day = await new_task(
        any_api, cy, project, title="Print banners", assignee_id=ben_id,
        due_date=day_from_now(5).isoformat(), description="Two of them, *big*",
    )  # fmt: skip
    watched = await new_task(
        any_api, cy, project, title="Venue walkthrough", due_at=soon(6).isoformat()
    )
    response = await any_api.put(f"/api/tasks/{watched['id']}/watchers/me", headers=ben.headers)
    assert response.status_code == 200, response.text
    own = await new_task(any_api, ben, project, title="Send invites", due_at=soon(2).isoformat())
    done = await new_task(any_api, ben, project, title="Book caterer", due_at=soon(1).isoformat())
    await patch_task(any_api, ben, done["id"], status="done")
    dropped = await new_task(
        any_api, cy, project, title="Old plan", assignee_id=ben_id, due_at=soon(3).isoformat()
    )
    await patch_task(any_api, cy, dropped["id"], status="cancelled")
    # None of these: no due date; not his; not watched any more; long past.
    await new_task(any_api, cy, project, title="Someday", assignee_id=ben_id)
    await new_task(any_api, cy, project, title="Cy's own", due_at=soon(4).isoformat())
    left = await new_task(any_api, ben, project, title="Left", due_at=soon(4).isoformat())
    response = await any_api.delete(f"/api/tasks/{left['id']}/watchers/me", headers=ben.headers)
    assert response.status_code == 200, response.text
    past = (datetime.now(UTC) - timedelta(days=200)).isoformat()
    await new_task(any_api, cy, project, title="Last year", assignee_id=ben_id, due_at=past)

    feed = await create_feed(any_api, ben, name="Work")
    assert feed["name"] == "Work"
    assert feed["url"].startswith("http://localhost:8000/api/calendar/ical/")
    assert feed["url"].endswith(".ics")
    calendar = await read_calendar(any_api, feed)

    assert calendar.version.value == "2.0"
    assert calendar.prodid.value
    assert calendar.contents["x-wr-calname"][0].value == "Work"
    events = events_of(calendar)
    ids = {t["id"] for t in (all_day, watched, own, done, dropped)}
    assert set(events) == ids
    # All-day: a date, not a date-time; timed: the due instant.
    start = events[all_day["id"]].dtstart.value
    assert type(start) is date
    assert start == day_from_now(5)
    assert events[watched["id"]].dtstart.value == soon(6)
    assert events[all_day["id"]].summary.value == "Print banners"
    assert "Two of them, *big*" in events[all_day["id"]].description.value
    link = f"http://localhost:8000/projects/{project}?task={all_day['id']}"
    assert events[all_day["id"]].url.value == link
    assert link in events[all_day["id"]].description.value
    assert events[done["id"]].summary.value == "✓ Book caterer"
    assert events[dropped["id"]].status.value == "CANCELLED"
    assert "status" not in events[own["id"]].contents
    for event in events.values():
        assert event.dtstamp.value.tzinfo is not None


async def test_a_change_to_a_task_shows_in_the_next_fetch_after_its_event(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(
        any_api, team.ana, team.project_id, title="Print banners",
        assignee_id=str(team.ben.id), due_at=soon(3).isoformat(),
    )  # fmt: skip
    feed = await create_feed(any_api, team.ben)
    first = await fetch(any_api, feed)
    assert first.status_code == 200
    mark = await outbox_mark()

    await patch_task(
        any_api, team.ana, task["id"], title="Print posters", due_date=day_from_now(9).isoformat()
    )
    # Until the change's event arrives, the cached document is the answer.
    cached = await fetch(any_api, feed)
    assert cached.text == first.text
    assert cached.headers["etag"] == first.headers["etag"]

    await deliver_changes(mark)
    fresh = await read_calendar(any_api, feed)
    (event,) = events_of(fresh).values()
    assert event.summary.value == "Print posters"
    assert event.dtstart.value == day_from_now(9)
    assert (await fetch(any_api, feed)).headers["etag"] != first.headers["etag"]


async def test_watching_or_leaving_a_task_shows_in_the_next_fetch_at_once(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, due_at=soon(3).isoformat())
    feed = await create_feed(any_api, team.ben)
    assert events_of(await read_calendar(any_api, feed)) == {}

    watch = f"/api/tasks/{task['id']}/watchers/me"
    assert (await any_api.put(watch, headers=team.ben.headers)).status_code == 200
    assert set(events_of(await read_calendar(any_api, feed))) == {task["id"]}
    assert (await any_api.delete(watch, headers=team.ben.headers)).status_code == 200
    assert events_of(await read_calendar(any_api, feed)) == {}


async def test_a_comment_that_makes_a_watcher_shows_once_its_event_arrives(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ana, team.project_id, due_at=soon(3).isoformat())
    feed = await create_feed(any_api, team.ben)
    assert events_of(await read_calendar(any_api, feed)) == {}
    mark = await outbox_mark()

    await comment(any_api, team.ben, task["id"], "I can take the printing")
    await deliver_changes(mark)
    assert set(events_of(await read_calendar(any_api, feed))) == {task["id"]}


async def test_a_long_description_is_cut_and_links_to_the_whole_task(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(
        any_api, team.ben, team.project_id, description="word " * 3000, due_at=soon(3).isoformat()
    )
    feed = await create_feed(any_api, team.ben)
    (event,) = events_of(await read_calendar(any_api, feed)).values()
    text, link = event.description.value.rsplit("\n\n", 1)
    assert len(text) == DESCRIPTION_CHARS
    assert text.endswith("…")
    assert link == f"http://localhost:8000/projects/{team.project_id}?task={task['id']}"


async def test_a_project_deleted_or_left_leaves_the_feed_once_its_event_arrives(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    kept = await new_task(any_api, team.ben, team.project_id, due_at=soon(1).isoformat())
    other = await create_project(any_api, team.cy, "Side project")
    await share_project(any_api, team.cy, other["id"], team.ben)
    gone = await new_task(any_api, team.ben, other["id"], due_at=soon(2).isoformat())
    feed = await create_feed(any_api, team.ben)
    assert set(events_of(await read_calendar(any_api, feed))) == {kept["id"], gone["id"]}

    mark = await outbox_mark()
    response = await any_api.delete(f"/api/projects/{other['id']}", headers=team.cy.headers)
    assert response.status_code == 204, response.text
    mark = await deliver_changes(mark)
    assert set(events_of(await read_calendar(any_api, feed))) == {kept["id"]}

    response = await any_api.delete(
        f"/api/projects/{team.project_id}/members/{team.ben.id}", headers=team.ana.headers
    )
    assert response.status_code == 204, response.text
    await deliver_changes(mark)
    assert events_of(await read_calendar(any_api, feed)) == {}


async def test_a_revoked_feed_is_not_found_at_once(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    await new_task(
        any_api, team.ana, team.project_id, assignee_id=str(team.ben.id),
        due_at=soon(3).isoformat(),
    )  # fmt: skip
    feed, kept = await create_feed(any_api, team.ben), await create_feed(any_api, team.ben)
    assert (await fetch(any_api, feed)).status_code == 200  # cached now

    response = await any_api.delete(f"/api/calendar/feeds/{feed['id']}", headers=team.ben.headers)
    assert response.status_code == 204, response.text
    assert_problem(await fetch(any_api, feed), 404)
    assert (await fetch(any_api, kept)).status_code == 200
    listed = await any_api.get("/api/calendar/feeds", headers=team.ben.headers)
    assert [item["id"] for item in listed.json()["items"]] == [kept["id"]]
    again = await any_api.delete(f"/api/calendar/feeds/{feed['id']}", headers=team.ben.headers)
    assert_problem(again, 404)


async def test_another_persons_feed_cannot_be_revoked(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    feed = await create_feed(any_api, team.ben)
    response = await any_api.delete(f"/api/calendar/feeds/{feed['id']}", headers=team.ana.headers)
    assert_problem(response, 404)
    assert (await fetch(any_api, feed)).status_code == 200
    assert (await any_api.get("/api/calendar/feeds", headers=team.ana.headers)).json() == {
        "items": []
    }


async def test_a_document_still_held_is_not_sent_again(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    await new_task(any_api, team.ben, team.project_id, due_at=soon(3).isoformat())
    feed = await create_feed(any_api, team.ben)
    first = await fetch(any_api, feed)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert first.headers["cache-control"] == "private, no-cache"

    for held in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await fetch(any_api, feed, **{"If-None-Match": held})
        assert response.status_code == 304, held
        assert response.content == b""
        assert response.headers["etag"] == etag
    stale = await fetch(any_api, feed, **{"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.text == first.text


async def test_listed_feeds_never_show_their_secret(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    feed = await create_feed(any_api, team.ben)
    secret = urlsplit(feed["url"]).path.rsplit("/", 1)[-1].removesuffix(".ics")
    assert len(secret) == 43

    listed = await any_api.get("/api/calendar/feeds", headers=team.ben.headers)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item == {
        "id": feed["id"],
        "name": "Calendar",
        "created_at": feed["created_at"],
        "last_used_at": None,
    }
    assert secret not in listed.text
    assert (await fetch(any_api, feed)).status_code == 200
    used = (await any_api.get("/api/calendar/feeds", headers=team.ben.headers)).json()["items"]
    assert used[0]["last_used_at"] is not None
    # Without the suffix, the same feed.
    assert (await any_api.get(f"/api/calendar/ical/{secret}")).status_code == 200


async def test_feeds_are_named_within_limits_and_at_most_ten(any_api: AsyncClient) -> None:
    ben = await person(any_api, "Ben")
    response = await any_api.post("/api/calendar/feeds", headers=ben.headers)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Calendar"
    for name in ("", "   ", "x" * 101, "a\x00b"):
        refused = assert_problem(
            await any_api.post("/api/calendar/feeds", json={"name": name}, headers=ben.headers),
            422,
        )
        assert refused["errors"][0]["loc"] == ["name"]
    for n in range(9):
        await create_feed(any_api, ben, name=f"Feed {n}")
    over = await any_api.post("/api/calendar/feeds", json={}, headers=ben.headers)
    assert_problem(over, 409)
    assert_problem(await any_api.get("/api/calendar/feeds"), 401)


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "x.ics",
        ".ics",
        "A" * 43,
        "A" * 43 + ".ics",
        "A" * 42 + "=",
        "A" * 5000,
        "%00" * 43,
        "é" * 43,
        "..%2F..%2Fetc",
        "%F0%9F%93%85",
    ],
)
async def test_a_token_that_names_no_feed_is_not_found(any_api: AsyncClient, token: str) -> None:
    assert_problem(await any_api.get(f"/api/calendar/ical/{token}"), 404)


async def test_a_change_a_feed_does_not_show_keeps_its_cached_document(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = await new_task(any_api, team.ben, team.project_id, due_at=soon(3).isoformat())
    feed = await create_feed(any_api, team.ben)
    first = await fetch(any_api, feed)
    await patch_task(any_api, team.ben, task["id"], title="Renamed behind the cache")

    attributes = {
        "type": types.ATTACHMENT_ADDED,
        "source": types.source_of("attachments"),
        types.PROJECT_ID: team.project_id,
    }
    async with sinks(runtime.current()) as client:
        response = await deliver(client, REFRESH_PATH, CloudEvent(attributes, {}))
    assert response.status_code == 202, response.text
    assert (await fetch(any_api, feed)).text == first.text


async def test_an_event_without_a_project_is_refused(any_api: AsyncClient) -> None:
    attributes = {"type": types.PROJECT_UPDATED, "source": types.source_of("projects")}
    event = CloudEvent(attributes, {"changed": ["name"]})
    async with sinks(runtime.current()) as client:
        response = await deliver(client, REFRESH_PATH, event)
    assert_problem(response, 400)
