"""Reminders: each person's own, on a task; in step with its due date; fired once each.

The sweep fires every reminder due by the `now` it is given, other tests' too (one database
for the run): every sweep here is at or before LATE, except the done-when test's, which alone
looks at what a sweep before its reminder leaves alone (its reminder is later than LATE).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import create_engine, select
from sqlalchemy.dialects import postgresql

from events import types
from events.schemas import dataschema_of
from events.transport.scheduler import in_process_post, local_periods, scheduled_routes
from functions.core import runtime
from functions.core.clock import utcnow
from functions.core.database import sync_url
from functions.core.outbox import from_row
from functions.core.runtime import Runtime
from functions.core.services import reminders as reminder_service
from functions.core.services.reminders import emit_reminders, reminder_event_id
from functions.core.settings import Settings
from functions.core.tables import outbox, reminders
from tests.integration.helpers_email import groups_of, mark_verified
from tests.integration.helpers_notifications import (
    Receiver,
    running_receiver,
    settings_like,
    sinks,
)
from tests.integration.helpers_notifications import deliver as deliver_to
from tests.integration.helpers_tasks import create_task
from tests.integration.test_notifications import deliver, feed
from tests.support import User, assert_problem, create_project, serve, share_project, signup

# Only the done-when test sweeps later than LATE, and its reminder is later still.
FAR_DUE = datetime(2046, 6, 1, 12, 0, tzinfo=UTC)
LATE = datetime(2045, 1, 1, tzinfo=UTC)
DUE = datetime(2044, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def sweep(now: datetime, **options: Any) -> int:
    assert now <= LATE or now > FAR_DUE - 10 * MINUTE
    return await emit_reminders(runtime.current(), now=now, **options)


async def team(api: AsyncClient) -> tuple[User, User, uuid.UUID]:
    """Ada owns a project Ben edits in."""
    ada, ben = await signup(api, "ada"), await signup(api, "ben")
    project = await create_project(api, ada, "Launch")
    await share_project(api, ada, project["id"], ben)
    return ada, ben, uuid.UUID(project["id"])


async def add(api: AsyncClient, user: User, task_id: str, **body: Any) -> Response:
    return await api.post(f"/api/tasks/{task_id}/reminders", json=body, headers=user.headers)


async def added(api: AsyncClient, user: User, task_id: str, **body: Any) -> dict[str, Any]:
    response = await add(api, user, task_id, **body)
    assert response.status_code == 201, response.text
    reminder: dict[str, Any] = response.json()
    return reminder


async def listed(api: AsyncClient, user: User, task_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/tasks/{task_id}/reminders", headers=user.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def fired(reminder_id: str) -> list[dict[str, Any]]:
    """The reminder events in the outbox about this reminder."""
    async with runtime.current().engine.connect() as conn:
        rows = await conn.execute(select(outbox).where(outbox.c.event_type == types.TASK_REMINDER))
    return [dict(row._mapping) for row in rows if row.payload["reminder_id"] == reminder_id]


async def stored(reminder_id: str) -> dict[str, Any]:
    async with runtime.current().engine.connect() as conn:
        row = (
            await conn.execute(select(reminders).where(reminders.c.id == uuid.UUID(reminder_id)))
        ).one()
    return dict(row._mapping)


def at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def test_a_reminder_five_minutes_before_due_fires_once(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    zoned = await any_api.patch(
        "/api/auth/me", json={"time_zone": "Europe/Lisbon"}, headers=ben.headers
    )
    assert zoned.status_code == 200, zoned.text
    task = await create_task(
        any_api, ada, project, title="Ship it", due_at=FAR_DUE.isoformat(), assignee_id=str(ada.id)
    )
    reminder = await added(any_api, ben, task["id"], offset_minutes=5)
    fire_at = FAR_DUE - 5 * MINUTE
    assert at(reminder["fire_at"]) == fire_at
    assert reminder["fired_at"] is None

    await sweep(fire_at - MINUTE)
    assert await fired(reminder["id"]) == []

    # Two sweeps at once, then one more: one event.
    await asyncio.gather(sweep(fire_at), sweep(fire_at))
    await sweep(fire_at + MINUTE)
    [event] = await fired(reminder["id"])
    assert event["event_id"] == reminder_event_id(uuid.UUID(reminder["id"]), fire_at)
    assert event["source"] == types.source_of("emit_reminders")
    assert event["headers"]["dataschema"] == dataschema_of(types.TASK_REMINDER)
    assert event["headers"][types.PROJECT_ID] == str(project)
    assert types.ACTOR_ID not in event["headers"]
    assert event["payload"]["user_id"] == str(ben.id)
    assert event["payload"]["offset_minutes"] == 5
    assert at(event["payload"]["due_at"]) == FAR_DUE
    [mine] = await listed(any_api, ben, task["id"])
    assert mine["fired_at"] is not None

    # Delivered (twice, as a broker may): Ben alone is told, once, in his words.
    for _ in range(2):
        assert (await deliver(from_row(event))).status_code == 202
    [notice] = (await feed(any_api, ben))["items"]
    assert notice["kind"] == "task.reminder"
    assert notice["message"] == "Reminder: “Ship it” is due in 5 minutes"
    assert at(notice["due_at"]) == FAR_DUE
    assert notice["task_id"] == task["id"]
    # Ada created the task and holds it; the reminder is not hers.
    assert [n["kind"] for n in (await feed(any_api, ada))["items"]] == []


async def test_two_sweeps_racing_fire_each_reminder_once(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    due = DUE - timedelta(days=30)
    task = await create_task(any_api, ada, project, due_at=due.isoformat())
    ids = []
    for person in (ada, ben):
        for n in range(10):
            body = {"offset_minutes": n} if n % 2 else {"remind_at": (due - n * MINUTE).isoformat()}
            ids.append((await added(any_api, person, task["id"], **body))["id"])

    await asyncio.gather(*(sweep(due, batch_size=3) for _ in range(3)))

    assert [len(await fired(i)) for i in ids] == [1] * len(ids)
    assert [(await stored(i))["fired_at"] is not None for i in ids] == [True] * len(ids)


async def test_a_sweep_passes_over_a_reminder_another_sweep_holds(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, _, project = await team(api)
    due = DUE - timedelta(days=31)
    task = await create_task(api, ada, project, due_at=due.isoformat())
    held = await added(api, ada, task["id"], offset_minutes=10)
    free = await added(api, ada, task["id"], offset_minutes=20)

    # Another sweep's claim, not yet committed: this one neither waits for it nor fires it.
    async with pg_runtime.engine.connect() as other:
        await other.begin()
        await other.execute(
            select(reminders.c.id).where(reminders.c.id == uuid.UUID(held["id"])).with_for_update()
        )
        await asyncio.wait_for(sweep(due), timeout=10)
        assert await fired(held["id"]) == []
        assert len(await fired(free["id"])) == 1
        await other.rollback()
    await sweep(due)
    assert len(await fired(held["id"])) == 1


async def test_reminders_follow_the_due_date_and_fire_again_once_it_moves(
    any_api: AsyncClient,
) -> None:
    ada, _, project = await team(any_api)
    due = DUE - timedelta(days=20)
    task = await create_task(any_api, ada, project, due_at=due.isoformat())
    relative = await added(any_api, ada, task["id"], offset_minutes=60)
    fixed = await added(any_api, ada, task["id"], remind_at=(due - 2 * MINUTE).isoformat())
    await sweep(due)
    assert (await stored(relative["id"]))["fired_at"] is not None

    later = due + timedelta(days=2)
    moved = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"due_at": later.isoformat()}, headers=ada.headers
    )
    assert moved.status_code == 200, moved.text
    by_id = {r["id"]: r for r in await listed(any_api, ada, task["id"])}
    assert at(by_id[relative["id"]]["fire_at"]) == later - 60 * MINUTE
    assert by_id[relative["id"]]["fired_at"] is None
    # An instant stays where it was set, fired.
    assert at(by_id[fixed["id"]]["fire_at"]) == due - 2 * MINUTE
    assert by_id[fixed["id"]]["fired_at"] is not None

    await sweep(later)
    assert [len(await fired(r["id"])) for r in (relative, fixed)] == [2, 1]

    cleared = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"due_at": None}, headers=ada.headers
    )
    assert cleared.status_code == 200, cleared.text
    waiting = {r["id"]: r for r in await listed(any_api, ada, task["id"])}[relative["id"]]
    assert (waiting["fire_at"], waiting["fired_at"]) == (None, None)

    # An all-day date: due at the end of that day (UTC for Ada).
    day = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"due_date": "2044-01-15"}, headers=ada.headers
    )
    assert day.status_code == 200, day.text
    on_day = {r["id"]: r for r in await listed(any_api, ada, task["id"])}[relative["id"]]
    assert at(on_day["fire_at"]) == datetime(2044, 1, 15, 22, 59, 59, tzinfo=UTC)


async def test_a_relative_reminder_on_a_task_without_a_due_date_waits_for_one(
    any_api: AsyncClient,
) -> None:
    ada, _, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    waiting = await added(any_api, ada, task["id"], offset_minutes=30)
    assert waiting["fire_at"] is None
    await sweep(LATE)
    assert (await stored(waiting["id"]))["fired_at"] is None

    due = DUE - timedelta(days=10)
    dated = await any_api.patch(
        f"/api/tasks/{task['id']}", json={"due_at": due.isoformat()}, headers=ada.headers
    )
    assert dated.status_code == 200, dated.text
    [now_set] = await listed(any_api, ada, task["id"])
    assert at(now_set["fire_at"]) == due - 30 * MINUTE


async def test_closed_tasks_and_people_who_left_are_not_reminded(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    due = DUE - timedelta(days=40)
    done = await create_task(any_api, ada, project, due_at=due.isoformat())
    left = await create_task(any_api, ada, project, due_at=due.isoformat())
    on_done = await added(any_api, ada, done["id"], offset_minutes=5)
    bens = await added(any_api, ben, left["id"], offset_minutes=5)
    closed = await any_api.patch(
        f"/api/tasks/{done['id']}", json={"status": "done"}, headers=ada.headers
    )
    assert closed.status_code == 200, closed.text
    removed = await any_api.delete(f"/api/projects/{project}/members/{ben.id}", headers=ada.headers)
    assert removed.status_code == 204, removed.text

    await sweep(due)

    for reminder in (on_done, bens):
        assert await fired(reminder["id"]) == []
        # Passed over for good: a later sweep does not look at it again.
        assert (await stored(reminder["id"]))["fired_at"] is not None


async def test_each_person_sees_and_deletes_only_their_own_reminders(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    viewer, stranger = await signup(any_api, "vic"), await signup(any_api, "sam")
    await share_project(any_api, ada, str(project), viewer, role="viewer")
    task = await create_task(any_api, ada, project, due_at=DUE.isoformat())

    adas = await added(any_api, ada, task["id"], offset_minutes=15)
    # A viewer may remind themselves too.
    vics = await added(any_api, viewer, task["id"], remind_at="2044-02-29T09:30:00+01:00")
    assert at(vics["remind_at"]) == datetime(2044, 2, 29, 8, 30, tzinfo=UTC)
    assert at(vics["fire_at"]) == at(vics["remind_at"])
    assert vics["offset_minutes"] is None

    assert [r["id"] for r in await listed(any_api, ada, task["id"])] == [adas["id"]]
    assert [r["id"] for r in await listed(any_api, viewer, task["id"])] == [vics["id"]]
    assert await listed(any_api, ben, task["id"]) == []

    path = f"/api/tasks/{task['id']}/reminders"
    for response in (
        await any_api.get(path, headers=stranger.headers),
        await add(any_api, stranger, task["id"], offset_minutes=5),
        await any_api.delete(f"{path}/{adas['id']}", headers=stranger.headers),
        # Someone else's reminder, or one on another task, is not found.
        await any_api.delete(f"{path}/{adas['id']}", headers=ben.headers),
        await any_api.delete(f"{path}/{uuid.uuid4()}", headers=ada.headers),
        await any_api.get(f"/api/tasks/{uuid.uuid4()}/reminders", headers=ada.headers),
    ):
        assert_problem(response, 404)
    other = await create_task(any_api, ada, project)
    wrong_task = await any_api.delete(
        f"/api/tasks/{other['id']}/reminders/{adas['id']}", headers=ada.headers
    )
    assert_problem(wrong_task, 404)
    assert_problem(await any_api.get(path), 401)

    deleted = await any_api.delete(f"{path}/{adas['id']}", headers=ada.headers)
    assert deleted.status_code == 204, deleted.text
    assert await listed(any_api, ada, task["id"]) == []
    assert_problem(await any_api.delete(f"{path}/{adas['id']}", headers=ada.headers), 404)


async def test_reminders_are_listed_soonest_first_those_without_a_time_last(
    any_api: AsyncClient,
) -> None:
    ada, _, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    undated = await added(any_api, ada, task["id"], offset_minutes=0)
    later = await added(any_api, ada, task["id"], remind_at="2044-05-02T10:00:00Z")
    sooner = await added(any_api, ada, task["id"], remind_at="2044-05-01T10:00:00Z")
    assert [r["id"] for r in await listed(any_api, ada, task["id"])] == [
        sooner["id"],
        later["id"],
        undated["id"],
    ]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"remind_at": "2044-01-01T10:00:00Z", "offset_minutes": 5},
        {"remind_at": None},
        {"offset_minutes": None},
        {"remind_at": None, "offset_minutes": 5},
        {"offset_minutes": -1},
        {"offset_minutes": 525_601},
        {"offset_minutes": "5 minutes"},
        {"offset_minutes": "5"},
        {"offset_minutes": True},
        {"offset_minutes": 5.5},
        {"remind_at": "2044-01-01T10:00:00"},
        {"remind_at": 1700000000},
        {"offset_minutes": 5, "note": "extra"},
    ],
)
async def test_a_reminder_must_say_when_one_way(any_api: AsyncClient, body: dict[str, Any]) -> None:
    ada, _, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    assert_problem(await add(any_api, ada, task["id"], **body), 422)


async def test_ten_reminders_a_person_and_task_at_most(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    for n in range(10):
        await added(any_api, ada, task["id"], offset_minutes=n)
    problem = assert_problem(await add(any_api, ada, task["id"], offset_minutes=99), 409)
    assert "10" in problem["detail"]
    # Another person's count is their own.
    await added(any_api, ben, task["id"], offset_minutes=99)


async def test_the_most_reminders_hold_when_added_at_once(
    api: AsyncClient, pg_runtime: Runtime
) -> None:
    ada, _, project = await team(api)
    task = await create_task(api, ada, project)
    answers = await asyncio.gather(
        *(add(api, ada, task["id"], offset_minutes=n) for n in range(14))
    )
    assert sorted(a.status_code for a in answers) == [201] * 10 + [409] * 4
    assert len(await listed(api, ada, task["id"])) == 10


async def preferences(api: AsyncClient, user: User, **changes: Any) -> Response:
    return await api.put("/api/notifications/preferences", json=changes, headers=user.headers)


async def test_default_reminders_are_kept_in_the_notification_preferences(
    any_api: AsyncClient,
) -> None:
    ada = await signup(any_api, "ada")
    first = await any_api.get("/api/notifications/preferences", headers=ada.headers)
    assert first.json()["default_reminders"] == []
    assert first.json()["email_kinds"]["task.reminder"] is True

    saved = await preferences(any_api, ada, default_reminders=[60, 15, 1440, 15])
    assert saved.status_code == 200, saved.text
    assert saved.json()["default_reminders"] == [15, 60, 1440]
    # Other changes keep them; an empty list clears them.
    kept = await preferences(any_api, ada, email_enabled=True)
    assert kept.json()["default_reminders"] == [15, 60, 1440]
    again = await any_api.get("/api/notifications/preferences", headers=ada.headers)
    assert again.json()["default_reminders"] == [15, 60, 1440]
    cleared = await preferences(any_api, ada, default_reminders=[])
    assert cleared.json()["default_reminders"] == []

    for wrong in ([1, 2, 3, 4, 5, 6], [-5], [525_601], None, ["15"], [1.5]):
        assert_problem(await preferences(any_api, ada, default_reminders=wrong), 422)


async def test_a_person_assigned_a_task_gets_their_default_reminders(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    saved = await preferences(any_api, ben, default_reminders=[30, 1440])
    assert saved.status_code == 200, saved.text
    due = DUE + timedelta(days=1)

    def offsets(items: list[dict[str, Any]]) -> list[int | None]:
        return sorted(r["offset_minutes"] for r in items)

    # Assigned when created, with a due date.
    created = await create_task(
        any_api, ada, project, due_at=due.isoformat(), assignee_id=str(ben.id)
    )
    bens = await listed(any_api, ben, created["id"])
    assert offsets(bens) == [30, 1440]
    assert {at(r["fire_at"]) for r in bens} == {due - 30 * MINUTE, due - timedelta(days=1)}
    assert await listed(any_api, ada, created["id"]) == []

    # Assigned later.
    later = await create_task(any_api, ada, project, due_at=due.isoformat())
    assigned = await any_api.patch(
        f"/api/tasks/{later['id']}", json={"assignee_id": str(ben.id)}, headers=ada.headers
    )
    assert assigned.status_code == 200, assigned.text
    assert offsets(await listed(any_api, ben, later["id"])) == [30, 1440]

    # Assigned without a due date: the defaults come with the date.
    undated = await create_task(any_api, ada, project, assignee_id=str(ben.id))
    assert await listed(any_api, ben, undated["id"]) == []
    dated = await any_api.patch(
        f"/api/tasks/{undated['id']}", json={"due_date": "2044-03-02"}, headers=ada.headers
    )
    assert dated.status_code == 200, dated.text
    assert offsets(await listed(any_api, ben, undated["id"])) == [30, 1440]

    # Not on top of reminders of his own, nor again when reassigned to him.
    own = await create_task(any_api, ada, project, due_at=due.isoformat())
    await added(any_api, ben, own["id"], offset_minutes=5)
    for assignee in (ben.id, ada.id, ben.id):
        changed = await any_api.patch(
            f"/api/tasks/{own['id']}", json={"assignee_id": str(assignee)}, headers=ada.headers
        )
        assert changed.status_code == 200, changed.text
    assert offsets(await listed(any_api, ben, own["id"])) == [5]

    # In bulk too.
    bulk = await create_task(any_api, ada, project, due_at=due.isoformat())
    response = await any_api.post(
        "/api/tasks/bulk",
        json={"ids": [bulk["id"]], "set": {"assignee_id": str(ben.id)}},
        headers=ada.headers,
    )
    assert response.status_code == 200, response.text
    assert offsets(await listed(any_api, ben, bulk["id"])) == [30, 1440]


async def test_a_reminder_is_mailed_to_its_person_unless_they_muted_reminders(
    any_api: AsyncClient,
) -> None:
    ada, ben, project = await team(any_api)
    cy = await signup(any_api, "cy")
    await share_project(any_api, ada, str(project), cy)
    for person, kinds in ((ben, {}), (cy, {"task.reminder": False}), (ada, {})):
        await mark_verified(person)
        chosen = await preferences(any_api, person, email_enabled=True, email_kinds=kinds)
        assert chosen.status_code == 200, chosen.text
    due = DUE - timedelta(days=50)
    task = await create_task(any_api, ada, project, due_at=due.isoformat())
    bens = await added(any_api, ben, task["id"], offset_minutes=5)
    cys = await added(any_api, cy, task["id"], offset_minutes=5)
    await sweep(due)

    rt = runtime.current()
    async with sinks(rt) as broker:
        for reminder in (bens, cys):
            [event] = await fired(reminder["id"])
            response = await deliver_to(broker, "/events/send-email", from_row(event))
            assert response.status_code == 202, response.text
    assert len(await groups_of(rt, ben)) == 1
    assert await groups_of(rt, cy) == []
    assert await groups_of(rt, ada) == []


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
async def dev_runtime(pg_settings: Settings) -> AsyncIterator[Runtime]:
    """The dev mode, which may call a webhook on loopback."""
    rt = Runtime(settings_like(pg_settings, env="dev", webhook_timeout_seconds=0.5))
    yield rt
    await rt.close()


async def test_a_reminder_reaches_its_persons_webhooks_alone(
    dev_runtime: Runtime, receiver: Receiver
) -> None:
    async with serve(dev_runtime) as api:
        ada, ben, project = await team(api)
        hooks = {}
        for person in (ada, ben):
            response = await api.post(
                "/api/notifications/webhooks", json={"url": receiver.hook()}, headers=person.headers
            )
            assert response.status_code == 201, response.text
            hooks[person.id] = response.json()["url"]
        due = DUE - timedelta(days=60)
        task = await create_task(api, ada, project, title="Call back", due_at=due.isoformat())
        reminder = await added(api, ben, task["id"], offset_minutes=90)
        await emit_reminders(dev_runtime, now=due - 90 * MINUTE)
        [event] = await fired(reminder["id"])

    async with sinks(dev_runtime) as broker:
        response = await deliver_to(broker, "/events/send-webhooks", from_row(event))
    assert response.status_code == 202, response.text
    [received] = receiver.at(hooks[ben.id])
    payload = httpx.Response(200, content=received.body).json()
    assert payload["type"] == types.TASK_REMINDER
    assert payload["data"]["kind"] == "task.reminder"
    assert payload["data"]["message"] == "Reminder: “Call back” is due Fri 1 Jan, 12:00"
    assert receiver.at(hooks[ada.id]) == []


async def test_the_local_timer_fires_reminders_every_minute_in_process(
    any_api: AsyncClient,
) -> None:
    ada, _, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    reminder = await added(any_api, ada, task["id"], remind_at=(utcnow() - MINUTE).isoformat())
    [route] = [r for r in scheduled_routes() if r.target == "emit_reminders"]
    assert local_periods(300.0)["emit_reminders"] == 60.0

    response_status = await in_process_post()(route)

    assert response_status == 200
    assert len(await fired(reminder["id"])) == 1


async def test_a_reminder_goes_with_its_task_and_with_its_person(any_api: AsyncClient) -> None:
    ada, ben, project = await team(any_api)
    task = await create_task(any_api, ada, project)
    reminder = await added(any_api, ben, task["id"], offset_minutes=5)
    deleted = await any_api.delete(f"/api/tasks/{task['id']}", headers=ada.headers)
    assert deleted.status_code == 204, deleted.text
    async with runtime.current().engine.connect() as conn:
        left = await conn.scalar(
            select(reminders.c.id).where(reminders.c.id == uuid.UUID(reminder["id"]))
        )
    assert left is None


def test_the_sweep_claims_through_the_due_index_even_in_a_generic_plan(postgres_url: str) -> None:
    # As the due-soon sweep's (test_due_soon): a prepared statement may be planned once for
    # any `now`; the partial index serves it because the query names its predicate itself.
    sql = reminder_service._CLAIM.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
    engine = create_engine(sync_url(postgres_url))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql("SET enable_seqscan = off")  # a test table is tiny
            conn.exec_driver_sql(f"PREPARE claim AS {sql}")
            plan = conn.exec_driver_sql("EXPLAIN EXECUTE claim(now(), 500)").scalars()
            text = "\n".join(plan)
            conn.rollback()
    finally:
        engine.dispose()
    assert "ix_reminders_due" in text, text
