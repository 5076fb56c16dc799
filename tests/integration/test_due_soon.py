"""Due-soon: each open task is announced once as its due date comes within the window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import create_engine, select
from sqlalchemy.dialects import postgresql

from events import types
from events.schemas import dataschema_of
from events.transport.scheduler import in_process_post, scheduled_routes
from functions.core import runtime
from functions.core.database import sync_url
from functions.core.services import due_soon
from functions.core.services.due_soon import due_soon_event_id, emit_due_soon
from functions.core.tables import outbox
from tests.integration.helpers_tasks import create_task, owner_with_inbox

# A fixed "now", years ahead, so that no other test's tasks fall in its window.
NOW = datetime(2041, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=24)


def due(offset: timedelta) -> str:
    return (NOW + offset).isoformat()


async def sweep(now: datetime = NOW, **options: Any) -> int:
    return await emit_due_soon(runtime.current(), window=WINDOW, now=now, **options)


async def announced(task_id: str) -> list[dict[str, Any]]:
    """The due-soon events in the outbox about this task, oldest first."""
    async with runtime.current().engine.connect() as conn:
        rows = await conn.execute(
            select(outbox)
            .where(outbox.c.subject == task_id, outbox.c.event_type == types.TASK_DUE_SOON)
            .order_by(outbox.c.id)
        )
    return [dict(row._mapping) for row in rows]


async def test_a_task_due_in_two_hours_is_announced_once_however_often_the_sweep_runs(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_at=due(timedelta(hours=2)))

    assert await sweep() >= 1
    assert await sweep() == 0
    assert await sweep(NOW + timedelta(minutes=5)) == 0

    [event] = await announced(task["id"])
    due_at = datetime.fromisoformat(task["due_at"])
    assert event["event_id"] == due_soon_event_id(uuid.UUID(task["id"]), due_at)
    assert event["source"] == types.source_of("emit_due_soon")
    assert event["headers"]["dataschema"] == dataschema_of(types.TASK_DUE_SOON)
    assert event["headers"][types.PROJECT_ID] == str(inbox)
    assert types.ACTOR_ID not in event["headers"]  # nobody did this: time passed
    assert datetime.fromisoformat(event["payload"]["due_at"]) == due_at
    assert event["payload"]["task"]["id"] == task["id"]
    assert event["payload"]["task"]["title"] == task["title"]


async def test_a_task_due_in_three_days_is_announced_only_once_it_comes_within_the_window(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_at=due(timedelta(days=3)))
    await sweep()
    assert await announced(task["id"]) == []

    await sweep(NOW + timedelta(days=2, hours=1))
    assert len(await announced(task["id"])) == 1


async def test_done_cancelled_overdue_and_undated_tasks_are_not_announced(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    soon = due(timedelta(hours=2))
    quiet = [
        await create_task(any_api, owner, inbox, due_at=soon, status="done"),
        await create_task(any_api, owner, inbox, due_at=soon, status="cancelled"),
        await create_task(any_api, owner, inbox, due_at=due(-timedelta(hours=1))),
        await create_task(any_api, owner, inbox, due_at=due(timedelta(0))),
        await create_task(any_api, owner, inbox),
    ]
    await sweep()
    assert [await announced(t["id"]) for t in quiet] == [[]] * len(quiet)


async def test_the_window_includes_its_last_instant(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    edge = await create_task(any_api, owner, inbox, due_at=due(WINDOW))
    beyond = await create_task(any_api, owner, inbox, due_at=due(WINDOW + timedelta(seconds=1)))
    await sweep()
    assert len(await announced(edge["id"])) == 1
    assert await announced(beyond["id"]) == []


async def test_a_task_whose_due_date_moves_is_announced_again_for_the_new_date(
    any_api: AsyncClient,
) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    task = await create_task(any_api, owner, inbox, due_at=due(timedelta(hours=2)))
    await sweep()
    moved = await any_api.patch(
        f"/api/tasks/{task['id']}",
        json={"due_at": due(timedelta(hours=5))},
        headers=owner.headers,
    )
    assert moved.status_code == 200, moved.text
    await sweep(NOW + timedelta(minutes=5))

    events = await announced(task["id"])
    assert [datetime.fromisoformat(e["payload"]["due_at"]) for e in events] == [
        NOW + timedelta(hours=2),
        NOW + timedelta(hours=5),
    ]
    assert events[0]["event_id"] != events[1]["event_id"]


async def test_a_sweep_in_small_batches_announces_every_task_once(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    # Shared due instants, so that pages also turn between tasks due at the same moment.
    offsets = [timedelta(hours=h) for h in (1, 1, 1, 2, 3, 3, 4)]
    created = [await create_task(any_api, owner, inbox, due_at=due(o)) for o in offsets]
    await sweep(batch_size=2)
    assert [len(await announced(t["id"])) for t in created] == [1] * len(created)


async def test_the_local_timer_calls_the_sweep_function_in_process(any_api: AsyncClient) -> None:
    owner, inbox = await owner_with_inbox(any_api)
    settings = runtime.current().settings
    soon = datetime.now(UTC) + timedelta(hours=settings.due_soon_window_hours) / 2
    task = await create_task(any_api, owner, inbox, due_at=soon.isoformat())
    [route] = [r for r in scheduled_routes() if r.target == "emit_due_soon"]

    assert await in_process_post()(route) == 200
    assert len(await announced(task["id"])) == 1


def test_the_sweep_uses_the_open_due_index_even_in_a_generic_plan(postgres_url: str) -> None:
    # psycopg prepares a statement after a few runs, and PostgreSQL may then plan it once for
    # any parameters: the partial index serves only a query that names its predicate itself.
    sql = due_soon._NEXT.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
    engine = create_engine(sync_url(postgres_url))
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql("SET enable_seqscan = off")  # a test table is tiny
            conn.exec_driver_sql(f"PREPARE sweep AS {sql}")
            plan = conn.exec_driver_sql(
                "EXPLAIN EXECUTE sweep(now(), now() + interval '1 day', now(), "
                "'00000000-0000-0000-0000-000000000000', 500)"
            ).scalars()
            text = "\n".join(plan)
            conn.rollback()
    finally:
        engine.dispose()
    assert "ix_tasks_open_due" in text, text
