"""All-day due dates: a task due on a day, not at a time. The server keeps the day (`due_date`)
and makes `due_at` the end of that day (23:59:59) in the time zone of whoever set it, so lists,
sorts, overdue and due-soon keep working from `due_at` alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from events import types
from functions.core import runtime
from functions.core.outbox import from_row
from functions.core.tables import outbox, users
from tests.integration.helpers_tasks import create_task, owner_with_inbox, read_task_row
from tests.integration.test_activity import deliver_all, history
from tests.integration.test_event_producer import command, send
from tests.support import User, assert_problem


async def set_time_zone(user: User, name: str | None) -> None:
    """The person's time zone, as their profile stores it."""
    async with runtime.current().engine.begin() as conn:
        await conn.execute(update(users).where(users.c.id == user.id).values(time_zone=name))


async def patch(api: AsyncClient, user: User, task_id: str, **fields: Any) -> dict[str, Any]:
    response = await api.patch(f"/api/tasks/{task_id}", json=fields, headers=user.headers)
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def created_event_task(task_id: str) -> dict[str, Any]:
    async with runtime.current().engine.connect() as conn:
        rows = (await conn.execute(select(outbox).where(outbox.c.subject == task_id))).all()
    (created,) = [
        e for e in map(from_row, (r._mapping for r in rows)) if e["type"] == types.TASK_CREATED
    ]
    data = created.get_data()
    assert isinstance(data, dict)
    task: dict[str, Any] = data["task"]
    return task


async def test_a_day_without_a_time_zone_is_due_at_the_end_of_that_day_in_utc(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_date="2026-12-05")
    assert task["due_date"] == "2026-12-05"
    assert instant(task["due_at"]) == datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)
    stored = await read_task_row(task["id"])
    assert stored is not None
    assert str(stored["due_date"]) == "2026-12-05"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Summer time: four hours behind UTC, so the day ends at 03:59:59 UTC the next day.
        ("America/New_York", datetime(2026, 7, 2, 3, 59, 59, tzinfo=UTC)),
        ("Europe/Lisbon", datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC)),
        ("Pacific/Kiritimati", datetime(2026, 7, 1, 9, 59, 59, tzinfo=UTC)),
    ],
)
async def test_the_day_ends_in_the_time_zone_of_the_person_who_set_it(
    any_api: AsyncClient, zone: str, expected: datetime
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, zone)
    task = await create_task(any_api, owner, inbox, due_date="2026-07-01")
    assert (task["due_date"], instant(task["due_at"])) == ("2026-07-01", expected)


async def test_an_instant_or_null_clears_the_all_day_date_and_a_day_replaces_the_instant(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "Europe/Lisbon")
    task = await create_task(any_api, owner, inbox, due_at="2026-12-05T14:00:00Z")
    assert task["due_date"] is None

    all_day = await patch(any_api, owner, task["id"], due_date="2026-12-06")
    assert all_day["due_date"] == "2026-12-06"
    # Lisbon keeps UTC's clock in winter.
    assert instant(all_day["due_at"]) == datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC)

    timed = await patch(any_api, owner, task["id"], due_at="2026-12-07T09:30:00Z")
    assert (timed["due_date"], instant(timed["due_at"])) == (
        None,
        datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
    )

    await patch(any_api, owner, task["id"], due_date="2026-12-08")
    cleared = await patch(any_api, owner, task["id"], due_at=None)
    assert (cleared["due_date"], cleared["due_at"]) == (None, None)

    await patch(any_api, owner, task["id"], due_date="2026-12-08")
    cleared = await patch(any_api, owner, task["id"], due_date=None)
    assert (cleared["due_date"], cleared["due_at"]) == (None, None)


async def test_other_changes_keep_the_all_day_date(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_date="2026-12-05")
    renamed = await patch(any_api, owner, task["id"], title="Renamed", status="in_progress")
    assert (renamed["due_date"], renamed["due_at"]) == (task["due_date"], task["due_at"])


async def test_a_due_date_and_an_instant_in_one_request_are_refused(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    both = {"due_at": "2026-12-05T14:00:00Z", "due_date": "2026-12-05"}
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "Both", **both},
        headers=owner.headers,
    )
    assert "not both" in assert_problem(response, 422)["detail"] + response.text
    task = await create_task(any_api, owner, inbox)
    response = await any_api.patch(f"/api/tasks/{task['id']}", json=both, headers=owner.headers)
    assert_problem(response, 422)
    response = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"due_at": None, "due_date": "2026-12-05"},
        headers=owner.headers,
    )
    assert_problem(response, 422)
    response = await any_api.post(
        "/api/tasks/bulk", json={"ids": [task["id"]], "set": both}, headers=owner.headers
    )
    assert_problem(response, 422)


@pytest.mark.parametrize(
    "day", ["2026-12-05T00:00:00", "2026-12-05T00:00:00Z", 1796428800, "tomorrow", "2026-13-01", ""]
)
async def test_a_due_date_is_a_calendar_day_written_as_yyyy_mm_dd(
    any_api: AsyncClient, day: Any
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "When?", "due_date": day},
        headers=owner.headers,
    )
    assert_problem(response, 422)


async def test_a_day_with_no_utc_instant_is_refused_not_an_error(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "America/New_York")
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "Far off", "due_date": "9999-12-31"},
        headers=owner.headers,
    )
    assert "out of range" in assert_problem(response, 422)["detail"]


async def test_bulk_updates_set_an_all_day_date_in_the_callers_time_zone(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "Asia/Tokyo")
    first = await create_task(any_api, owner, inbox, due_at="2026-01-01T00:00:00Z")
    second = await create_task(any_api, owner, inbox)
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [first["id"], second["id"]], "set": {"due_date": "2026-03-10"}},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    for task in response.json()["items"]:
        assert task["due_date"] == "2026-03-10"
        assert instant(task["due_at"]) == datetime(2026, 3, 10, 14, 59, 59, tzinfo=UTC)


async def test_the_events_snapshot_carries_the_all_day_date(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_date="2026-12-05")
    snapshot = await created_event_task(task["id"])
    assert snapshot["due_date"] == "2026-12-05"
    assert instant(snapshot["due_at"]) == instant(task["due_at"])


async def test_a_create_command_takes_an_all_day_date_too(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "America/New_York")
    data = {"project_id": str(inbox), "title": "From the CRM", "due_date": "2026-07-01"}
    response = await send(any_api, owner, command(data))
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["due_date"] == "2026-07-01"
    assert instant(task["due_at"]) == datetime(2026, 7, 2, 3, 59, 59, tzinfo=UTC)

    both = dict(data, due_at="2026-07-01T10:00:00Z")
    assert_problem(await send(any_api, owner, command(both)), 422)


async def test_a_tasks_history_records_the_change_to_an_all_day_date(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_at="2026-12-05T14:00:00Z")
    await patch(any_api, owner, task["id"], due_date="2026-12-06")
    await deliver_all(task["id"])
    entries = (await history(any_api, owner, task["id"]))["items"]
    changes = {c["field"]: (c["before"], c["after"]) for c in entries[0]["changes"]}
    assert changes["due_date"] == (None, "2026-12-06")
    assert set(changes) == {"due_at", "due_date"}


async def test_an_unknown_stored_zone_falls_back_to_utc(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "Mars/Olympus_Mons")
    task = await create_task(any_api, owner, inbox, due_date="2026-12-05")
    assert instant(task["due_at"]) == datetime(2026, 12, 5, 23, 59, 59, tzinfo=UTC)
    assert uuid.UUID(task["id"])
