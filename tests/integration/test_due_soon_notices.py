"""Due-soon notices read in each person's time zone, and are resolved once no longer news."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cloudevents.http import CloudEvent
from httpx import AsyncClient

from events import types
from events.codec import new_event
from events.models import TaskDeleted, TaskSnapshot, TaskStatusChanged, TaskUpdated
from functions.core.services.due_soon import due_soon_event
from tests.integration.test_notifications import Team, deliver, feed, make_team, unread
from tests.support import User

# Sat 5 Dec 2026, 14:00 in Lisbon (UTC+0 in winter), 23:00 in Tokyo.
DUE = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


async def choose_zone(api: AsyncClient, user: User, zone: str | None) -> None:
    response = await api.patch("/api/auth/me", json={"time_zone": zone}, headers=user.headers)
    assert response.status_code == 200, response.text


def due_task(team: Team, due_at: datetime = DUE, **changes: Any) -> TaskSnapshot:
    return team.task.model_copy(update={"due_at": due_at, **changes})


def due_soon(task: TaskSnapshot, sent: datetime | None = None) -> CloudEvent:
    assert task.due_at is not None
    event = due_soon_event(task, task.due_at)
    event["time"] = (sent or task.due_at - timedelta(hours=3)).isoformat()
    return event


def task_event(team: Team, event_type: str, data: Any) -> CloudEvent:
    return new_event(
        event_type,
        data,
        source=types.source_of("tasks"),
        subject=str(team.task.id),
        project_id=team.project_id,
        actor_id=team.ada.id,
    )


def done(team: Team, task: TaskSnapshot, status: str = "done") -> CloudEvent:
    moved = task.model_copy(update={"status": status})
    return task_event(
        team, types.TASK_STATUS_CHANGED, TaskStatusChanged(task=moved, previous_status="todo")
    )


def moved(team: Team, task: TaskSnapshot, due_at: datetime | None) -> CloudEvent:
    later = task.model_copy(update={"due_at": due_at})
    return task_event(team, types.TASK_UPDATED, TaskUpdated(task=later, changed=["due_at"]))


async def due_soon_items(api: AsyncClient, user: User) -> list[dict[str, Any]]:
    page = await feed(api, user)
    return [item for item in page["items"] if item["kind"] == "task.due_soon"]


async def test_a_due_soon_notice_names_the_time_in_each_readers_own_time_zone(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api, "Ship it")
    await choose_zone(any_api, team.ben, "Europe/Lisbon")
    await choose_zone(any_api, team.ada, "Asia/Tokyo")

    assert (await deliver(due_soon(due_task(team)))).status_code == 202

    [ben_notice] = await due_soon_items(any_api, team.ben)
    assert ben_notice["message"] == "“Ship it” is due Sat 5 Dec 2026, 14:00 (Europe/Lisbon)"
    assert datetime.fromisoformat(ben_notice["due_at"]) == DUE
    assert ben_notice["resolved"] is False
    assert ben_notice["read"] is False
    [ada_notice] = await due_soon_items(any_api, team.ada)  # the creator watches it too
    assert ada_notice["message"] == "“Ship it” is due Sat 5 Dec 2026, 23:00 (Asia/Tokyo)"


async def test_a_reader_without_a_time_zone_reads_utc(any_api: AsyncClient) -> None:
    team = await make_team(any_api, "Ship it")

    await deliver(due_soon(due_task(team, DUE + timedelta(minutes=30))))

    [notice] = await due_soon_items(any_api, team.ben)
    assert notice["message"] == "“Ship it” is due Sat 5 Dec 2026, 14:30 (UTC)"


async def test_an_all_day_task_is_due_today_or_tomorrow_in_the_readers_day(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api, "Print banners")
    await choose_zone(any_api, team.ben, "America/New_York")
    await choose_zone(any_api, team.ada, "Pacific/Auckland")
    # Due on Sat 5 Dec (the end of that day, in New York); announced at 20:00 UTC on the 4th:
    # 15:00 on Fri 4 Dec in New York, already 09:00 on Sat 5 Dec in Auckland.
    task = due_task(team, datetime(2026, 12, 6, 4, 59, 59, tzinfo=UTC), due_date=date(2026, 12, 5))

    await deliver(due_soon(task, sent=datetime(2026, 12, 4, 20, 0, tzinfo=UTC)))

    [ben_notice] = await due_soon_items(any_api, team.ben)
    assert ben_notice["message"] == "“Print banners” is due tomorrow, Sat 5 Dec"
    [ada_notice] = await due_soon_items(any_api, team.ada)
    assert ada_notice["message"] == "“Print banners” is due today, Sat 5 Dec"


async def test_a_task_done_resolves_its_due_soon_notices_for_everyone_and_marks_them_read(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    task = due_task(team)
    await deliver(due_soon(task))
    assert await unread(any_api, team.ben) == 1

    finished = done(team, task)
    assert (await deliver(finished)).status_code == 202

    [notice] = await due_soon_items(any_api, team.ben)
    assert notice["resolved"] is True
    assert notice["read"] is True
    [creators] = await due_soon_items(any_api, team.ada)
    assert creators["resolved"] is True
    # Ben still has the status change to read, nothing else.
    assert await unread(any_api, team.ben) == 1
    unread_page = await feed(any_api, team.ben, unread_only="true")
    assert [item["kind"] for item in unread_page["items"]] == ["task.status_changed"]

    assert (await deliver(finished)).status_code == 202  # again: nothing changes
    assert await due_soon_items(any_api, team.ben) == [notice]
    assert await unread(any_api, team.ben) == 1


async def test_a_cancelled_or_deleted_task_resolves_its_due_soon_notice(
    any_api: AsyncClient,
) -> None:
    first, second = await make_team(any_api), await make_team(any_api)
    for team in (first, second):
        await deliver(due_soon(due_task(team)))

    await deliver(done(first, due_task(first), status="cancelled"))
    deleted = TaskDeleted(task=due_task(second), watcher_ids=[second.ben.id, second.ada.id])
    await deliver(task_event(second, types.TASK_DELETED, deleted))

    for team in (first, second):
        [notice] = await due_soon_items(any_api, team.ben)
        assert (notice["resolved"], notice["read"]) == (True, True)


async def test_a_due_date_moved_or_cleared_resolves_the_notice_about_the_old_one(
    any_api: AsyncClient,
) -> None:
    team, other = await make_team(any_api), await make_team(any_api)
    await deliver(due_soon(due_task(team)))
    await deliver(due_soon(due_task(other)))

    await deliver(moved(team, due_task(team), DUE + timedelta(days=2)))
    await deliver(moved(other, due_task(other), None))

    for owner in (team, other):
        [notice] = await due_soon_items(any_api, owner.ben)
        assert notice["resolved"] is True


async def test_the_notice_about_the_new_due_date_stays_even_if_it_came_first(
    any_api: AsyncClient,
) -> None:
    team = await make_team(any_api)
    later = DUE + timedelta(hours=5)
    await deliver(due_soon(due_task(team)))
    # The sweep announced the new date before the move reached the feed.
    await deliver(due_soon(due_task(team, later)))

    await deliver(moved(team, due_task(team), later))

    notices = await due_soon_items(any_api, team.ben)
    assert [(datetime.fromisoformat(n["due_at"]), n["resolved"]) for n in notices] == [
        (later, False),
        (DUE, True),
    ]


async def test_other_changes_and_reopened_statuses_resolve_nothing(any_api: AsyncClient) -> None:
    team = await make_team(any_api)
    task = due_task(team)
    await deliver(due_soon(task))

    retitled = task.model_copy(update={"title": "Renamed"})
    await deliver(
        task_event(team, types.TASK_UPDATED, TaskUpdated(task=retitled, changed=["title"]))
    )
    await deliver(done(team, task, status="review"))

    [notice] = await due_soon_items(any_api, team.ben)
    assert notice["resolved"] is False
    assert notice["read"] is False


async def test_notices_of_other_kinds_carry_no_due_instant(any_api: AsyncClient) -> None:
    team = await make_team(any_api)

    await deliver(done(team, due_task(team)))

    [notice] = (await feed(any_api, team.ben))["items"]
    assert notice["due_at"] is None
    assert notice["resolved"] is False
    assert uuid.UUID(notice["task_id"]) == team.task.id
