"""Recurring tasks: completing one creates its next occurrence, once, in the same transaction."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update

from events import types
from functions.core import runtime
from functions.core.runtime import Runtime
from functions.core.tables import outbox, reminders, tasks, users
from tests.integration.helpers_tasks import create_task, owner_with_inbox
from tests.support import User, assert_problem, create_project, share_project, signup

MONDAY = datetime(2030, 1, 7, 14, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


async def patch(api: AsyncClient, user: User, task_id: str, **fields: Any) -> dict[str, Any]:
    response = await api.patch(f"/api/tasks/{task_id}", json=fields, headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get(api: AsyncClient, user: User, task_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/tasks/{task_id}", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def occurrences(project_id: uuid.UUID | str, title: str) -> list[dict[str, Any]]:
    """The tasks of the project with this title, oldest first, as stored."""
    async with runtime.current().engine.connect() as conn:
        rows = await conn.execute(
            select(tasks)
            .where(tasks.c.project_id == uuid.UUID(str(project_id)), tasks.c.title == title)
            .order_by(tasks.c.created_at, tasks.c.id)
        )
    return [dict(row._mapping) for row in rows]


async def set_time_zone(user: User, name: str | None) -> None:
    async with runtime.current().engine.begin() as conn:
        await conn.execute(update(users).where(users.c.id == user.id).values(time_zone=name))


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_completing_a_weekly_task_creates_the_next_occurrence_a_week_later(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api,
        owner,
        inbox,
        title="Water the plants",
        description="The ones by the window",
        priority="high",
        labels=["home"],
        assignee_id=str(owner.id),
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=WEEKLY",
    )
    assert task["recurrence_basis"] == "due"

    done = await patch(any_api, owner, task["id"], status="done")

    following = await get(any_api, owner, done["next_occurrence_id"])
    assert at(following["due_at"]) == MONDAY + WEEK
    assert following["due_date"] is None
    assert following["status"] == "todo"
    assert following["completed_at"] is None
    assert following["version"] == 1
    for field in (
        "project_id",
        "title",
        "description",
        "priority",
        "labels",
        "assignee_id",
        "parent_id",
        "recurrence",
        "recurrence_basis",
    ):
        assert following[field] == task[field], field
    assert following["next_occurrence_id"] is None
    assert (await get(any_api, owner, task["id"]))["next_occurrence_id"] == following["id"]
    assert len(await occurrences(inbox, "Water the plants")) == 2

    # Its own `created` event, by the person who completed the task.
    async with runtime.current().engine.connect() as conn:
        created = (
            await conn.execute(
                select(outbox).where(
                    outbox.c.subject == following["id"], outbox.c.event_type == types.TASK_CREATED
                )
            )
        ).one()
    assert created.headers[types.ACTOR_ID] == str(owner.id)
    assert created.payload["task"]["id"] == following["id"]


async def test_a_task_completed_twice_has_one_next_occurrence(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api, owner, inbox, title="Twice", due_at=MONDAY.isoformat(), recurrence="FREQ=WEEKLY"
    )
    first = await patch(any_api, owner, task["id"], status="done")
    # Done again (no change), reopened, and done once more.
    await patch(any_api, owner, task["id"], status="done")
    await patch(any_api, owner, task["id"], status="in_progress")
    again = await patch(any_api, owner, task["id"], status="done")

    assert again["next_occurrence_id"] == first["next_occurrence_id"]
    assert len(await occurrences(inbox, "Twice")) == 2


async def _until_backends_wait_on_a_lock(rt: Runtime, count: int) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(250):  # at most 5 s
        async with rt.engine.connect() as conn:
            if (await conn.scalar(waiting) or 0) >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} requests never waited on the task's lock")


async def test_two_concurrent_completions_create_one_next_occurrence(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    owner = await signup(api, "racer")
    other = await signup(api, "other")
    project = await create_project(api, owner)
    await share_project(api, owner, project["id"], other)
    task = await create_task(
        api,
        owner,
        uuid.UUID(project["id"]),
        title="Race",
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=WEEKLY",
    )
    path = f"/api/tasks/{task['id']}"

    # Both completions are under way, held at the task's row lock, before either writes.
    async with pg_runtime.engine.connect() as holder:
        await holder.begin()
        await holder.execute(
            select(tasks.c.id).where(tasks.c.id == uuid.UUID(task["id"])).with_for_update()
        )
        racing = [
            asyncio.create_task(api.patch(path, json={"status": "done"}, headers=user.headers))
            for user in (owner, other)
        ]
        await _until_backends_wait_on_a_lock(pg_runtime, 2)
        await holder.rollback()
    answers = await asyncio.gather(*racing)

    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    stored = await occurrences(project["id"], "Race")
    assert len(stored) == 2
    assert stored[0]["next_occurrence_id"] == stored[1]["id"]
    assert stored[1]["due_at"] == MONDAY + WEEK
    assert {a.json()["next_occurrence_id"] for a in answers} == {str(stored[1]["id"])}


async def test_a_bulk_completion_creates_one_next_occurrence_for_each_recurring_task(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    daily = await create_task(
        any_api, owner, inbox, title="Daily", due_at=MONDAY.isoformat(), recurrence="FREQ=DAILY"
    )
    monthly = await create_task(
        any_api,
        owner,
        inbox,
        title="Monthly",
        due_date="2030-01-31",
        recurrence="FREQ=MONTHLY;BYMONTHDAY=-1",
    )
    once = await create_task(any_api, owner, inbox, title="Once", due_at=MONDAY.isoformat())
    body = {"ids": [daily["id"], monthly["id"], once["id"]], "set": {"status": "done"}}

    for _ in range(2):  # the second finds them done already
        response = await any_api.post("/api/tasks/bulk", json=body, headers=owner.headers)
        assert response.status_code == 200, response.text

    items = {item["title"]: item for item in response.json()["items"]}
    assert items["Once"]["next_occurrence_id"] is None
    [_, next_day] = await occurrences(inbox, "Daily")
    assert next_day["due_at"] == MONDAY + timedelta(days=1)
    [_, next_month] = await occurrences(inbox, "Monthly")
    assert next_month["due_date"] == date(2030, 2, 28)
    assert items["Monthly"]["next_occurrence_id"] == str(next_month["id"])
    assert len(await occurrences(inbox, "Once")) == 1


async def test_an_all_day_task_repeats_on_days_ending_in_the_completers_time_zone(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "America/New_York")
    task = await create_task(
        any_api, owner, inbox, title="Bins", due_date="2030-01-07", recurrence="FREQ=WEEKLY"
    )
    done = await patch(any_api, owner, task["id"], status="done")

    following = await get(any_api, owner, done["next_occurrence_id"])
    assert following["due_date"] == "2030-01-14"
    # The end of 14 January in New York (UTC-5).
    assert at(following["due_at"]) == datetime(2030, 1, 15, 4, 59, 59, tzinfo=UTC)


async def test_the_time_of_day_is_kept_on_the_completers_clock_across_summer_time(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    await set_time_zone(owner, "Europe/Lisbon")
    # 09:00 in Lisbon on the Saturday before the clocks go forward (WET, UTC+0).
    task = await create_task(
        any_api,
        owner,
        inbox,
        due_at="2030-03-30T09:00:00Z",
        recurrence="FREQ=DAILY",
    )
    done = await patch(any_api, owner, task["id"], status="done")
    following = await get(any_api, owner, done["next_occurrence_id"])
    # Still 09:00 in Lisbon, now WEST (UTC+1).
    assert at(following["due_at"]) == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)


async def test_repeating_from_completion_counts_from_the_day_it_was_completed(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api,
        owner,
        inbox,
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=WEEKLY",
        recurrence_basis="completion",
    )
    done = await patch(any_api, owner, task["id"], status="done")

    following = await get(any_api, owner, done["next_occurrence_id"])
    completed = at(done["completed_at"]).astimezone(UTC)
    # A week after the day it was completed, at its due date's time of day.
    assert at(following["due_at"]) == datetime.combine(completed.date(), time(14), UTC) + WEEK
    assert following["recurrence_basis"] == "completion"


async def test_count_counts_the_occurrences_left(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api,
        owner,
        inbox,
        title="Three times",
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=DAILY;COUNT=3",
    )
    seen = [task]
    while seen[-1]["id"] is not None:
        done = await patch(any_api, owner, seen[-1]["id"], status="done")
        if done["next_occurrence_id"] is None:
            break
        seen.append(await get(any_api, owner, done["next_occurrence_id"]))

    assert [s["recurrence"] for s in seen] == [
        "FREQ=DAILY;COUNT=3",
        "FREQ=DAILY;COUNT=2",
        "FREQ=DAILY;COUNT=1",
    ]
    assert [at(s["due_at"]) for s in seen] == [MONDAY + timedelta(days=n) for n in range(3)]
    assert len(await occurrences(inbox, "Three times")) == 3


async def test_until_ends_the_rule_with_its_last_day(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api,
        owner,
        inbox,
        title="Until",
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=DAILY;UNTIL=20300108",
    )
    done = await patch(any_api, owner, task["id"], status="done")
    last = await get(any_api, owner, done["next_occurrence_id"])
    assert at(last["due_at"]) == MONDAY + timedelta(days=1)

    assert (await patch(any_api, owner, last["id"], status="done"))["next_occurrence_id"] is None
    assert len(await occurrences(inbox, "Until")) == 2


async def test_a_subtask_repeats_under_the_same_parent(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    parent = await create_task(any_api, owner, inbox, title="Parent")
    task = await create_task(
        any_api,
        owner,
        inbox,
        parent_id=parent["id"],
        due_at=MONDAY.isoformat(),
        recurrence="FREQ=WEEKLY",
    )
    done = await patch(any_api, owner, task["id"], status="done")
    following = await get(any_api, owner, done["next_occurrence_id"])
    assert following["parent_id"] == parent["id"]


async def test_the_rule_is_stored_without_its_prefix_in_upper_case(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api,
        owner,
        inbox,
        due_at=MONDAY.isoformat(),
        recurrence="  rrule:byday=mo,we;freq=weekly  ",
    )
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert task["recurrence_basis"] == "due"

    changed = await patch(any_api, owner, task["id"], recurrence_basis="completion")
    assert changed["recurrence_basis"] == "completion"
    stopped = await patch(any_api, owner, task["id"], recurrence=None)
    assert (stopped["recurrence"], stopped["recurrence_basis"]) == (None, None)
    # Without a rule a basis means nothing, and is not kept.
    ignored = await patch(any_api, owner, task["id"], recurrence_basis="due")
    assert ignored["recurrence_basis"] is None

    plain = await create_task(any_api, owner, inbox)
    assert (plain["recurrence"], plain["recurrence_basis"]) == (None, None)


@pytest.mark.parametrize(
    "rule",
    [
        "every week",
        "FREQ=FORTNIGHTLY",
        "FREQ=HOURLY",
        "FREQ=MINUTELY;INTERVAL=30",
        "FREQ=DAILY;BYHOUR=9",
        "DTSTART:20300107T140000Z\nRRULE:FREQ=WEEKLY",
        "DTSTART:20300107T140000Z",
        "RRULE:FREQ=WEEKLY\nRRULE:FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20300301",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=WEEKLY;FREQ=DAILY",
        "INTERVAL=2",
    ],
)
async def test_a_rule_that_cannot_be_taken_is_refused_naming_the_field(
    any_api: AsyncClient, rule: str
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    body = {"project_id": str(inbox), "title": "Bad", "due_at": MONDAY.isoformat()}
    response = await any_api.post(
        "/api/tasks", json={**body, "recurrence": rule}, headers=owner.headers
    )
    problem = assert_problem(response, 422)
    assert [e["loc"] for e in problem["errors"]] == [["recurrence"]], problem


async def test_a_recurring_task_needs_a_due_date(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    response = await any_api.post(
        "/api/tasks",
        json={"project_id": str(inbox), "title": "No date", "recurrence": "FREQ=DAILY"},
        headers=owner.headers,
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["recurrence"]

    plain = await create_task(any_api, owner, inbox)
    response = await any_api.patch(
        f"/api/tasks/{plain['id']}", json={"recurrence": "FREQ=DAILY"}, headers=owner.headers
    )
    assert assert_problem(response, 422)["errors"][0]["loc"] == ["recurrence"]

    recurring = await create_task(
        any_api, owner, inbox, due_at=MONDAY.isoformat(), recurrence="FREQ=DAILY"
    )
    for clearing in ({"due_at": None}, {"due_date": None}):
        response = await any_api.patch(
            f"/api/tasks/{recurring['id']}", json=clearing, headers=owner.headers
        )
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["recurrence"]
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [plain["id"], recurring["id"]], "set": {"due_at": None}},
        headers=owner.headers,
    )
    assert_problem(response, 422)
    # Nothing changed; stopping it and clearing the date together is fine.
    assert at((await get(any_api, owner, recurring["id"]))["due_at"]) == MONDAY
    cleared = await patch(any_api, owner, recurring["id"], recurrence=None, due_at=None)
    assert cleared["due_at"] is None


async def test_the_completers_relative_reminders_carry_over_to_the_next_occurrence(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(
        any_api, owner, inbox, due_at=MONDAY.isoformat(), recurrence="FREQ=WEEKLY"
    )
    for body in (
        {"offset_minutes": 15},
        {"remind_at": (MONDAY - timedelta(days=1)).isoformat()},
    ):
        response = await any_api.post(
            f"/api/tasks/{task['id']}/reminders", json=body, headers=owner.headers
        )
        assert response.status_code == 201, response.text

    done = await patch(any_api, owner, task["id"], status="done")

    listed = await any_api.get(
        f"/api/tasks/{done['next_occurrence_id']}/reminders", headers=owner.headers
    )
    assert listed.status_code == 200, listed.text
    [carried] = listed.json()["items"]
    assert carried["offset_minutes"] == 15
    assert at(carried["fire_at"]) == MONDAY + WEEK - timedelta(minutes=15)
    async with runtime.current().engine.connect() as conn:
        on_the_first = await conn.scalar(
            select(reminders.c.id).where(reminders.c.task_id == uuid.UUID(task["id"])).limit(1)
        )
    assert on_the_first is not None  # the completed task keeps its own
