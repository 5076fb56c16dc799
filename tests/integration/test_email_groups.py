"""E-mails grouped: what happens to one task for one person within the window is one e-mail,
sent once by whichever flush claims it, in the reader's time zone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cloudevents.http import CloudEvent
from httpx import AsyncClient

from events import types
from events.models import CommentAdded, TaskAssigned, TaskSnapshot, TaskStatusChanged
from events.vocabulary import STATUS_NAMES
from functions.core.runtime import Runtime
from functions.core.services import mail
from tests.integration.helpers_email import (
    Outbox,
    choose_email,
    flush,
    groups_of,
    later,
    settle_pending,
    task_event,
)
from tests.integration.helpers_notifications import deliver, sinks
from tests.support import User, create_project, serve, share_project, signup

SEND = "/events/send-email"
# Sat 5 Dec 2026, 14:02 UTC: 23:02 in Tokyo.
AT = datetime(2026, 12, 5, 14, 2, tzinfo=UTC)
COMMENT = "See **the plan**: https://example.com/plan <script>alert(1)</script>"


@dataclass
class Scene:
    rt: Runtime
    api: AsyncClient
    broker: AsyncClient
    ada: User
    bob: User
    project_id: uuid.UUID

    def task(self, title: str = "Write the launch plan") -> TaskSnapshot:
        return TaskSnapshot(
            id=uuid.uuid4(),
            project_id=self.project_id,
            title=title,
            status="todo",
            priority="medium",
            assignee_id=self.bob.id,
            creator_id=self.ada.id,
            due_at=None,
            labels=[],
            version=1,
        )

    async def send(self, event: CloudEvent) -> None:
        response = await deliver(self.broker, SEND, event)
        assert response.status_code == 202, response.text

    def assigned(self, task: TaskSnapshot, minute: int = 0) -> CloudEvent:
        data = TaskAssigned(task=task, previous_assignee_id=None)
        return self._event(types.TASK_ASSIGNED, data, minute)

    def started(self, task: TaskSnapshot, minute: int = 1) -> CloudEvent:
        moved = task.model_copy(update={"status": "in_progress", "version": 2})
        data = TaskStatusChanged(task=moved, previous_status="todo")
        return self._event(types.TASK_STATUS_CHANGED, data, minute)

    def commented(self, task: TaskSnapshot, minute: int = 2) -> CloudEvent:
        data = CommentAdded(
            task=task,
            comment_id=uuid.uuid4(),
            author_id=self.ada.id,
            excerpt="See the plan",
            body=COMMENT,
        )
        return self._event(types.COMMENT_ADDED, data, minute)

    def _event(self, event_type: str, data: object, minute: int) -> CloudEvent:
        time = AT + timedelta(minutes=minute)
        return task_event(event_type, data, self.project_id, self.ada, time)  # type: ignore[arg-type]


@pytest.fixture
async def scene(
    backend: str, pg_runtime: Runtime, embedded_runtime: Runtime
) -> AsyncIterator[Scene]:
    """Ada acts; Bob, in Tokyo, chose e-mail; no group of another test is waiting."""
    rt = pg_runtime if backend == "postgres" else embedded_runtime
    await settle_pending(rt)
    async with serve(rt) as api, sinks(rt) as broker:
        ada, bob = await signup(api, "ada"), await signup(api, "bob")
        project = await create_project(api, ada)
        await share_project(api, ada, project["id"], bob)
        await choose_email(api, bob, time_zone="Asia/Tokyo")
        yield Scene(rt, api, broker, ada, bob, uuid.UUID(project["id"]))


async def test_three_changes_to_one_task_within_the_window_are_one_email_listing_all_three(
    scene: Scene,
) -> None:
    task = scene.task()
    for event in (scene.assigned(task), scene.started(task), scene.commented(task)):
        await scene.send(event)
    outbox = Outbox()

    early = await mail.flush_emails(scene.rt, outbox)  # the window is still open
    assert early.sent == 0
    assert outbox.sent == []
    report = await flush(scene.rt, outbox)

    assert report.sent == 1
    [sent] = outbox.to(scene.bob)
    assert sent.to == f"Bob <{scene.bob.email}>"
    assert sent.subject == "TaskFlow: 3 updates to “Write the launch plan”"
    moved = f"from {STATUS_NAMES['todo']} to {STATUS_NAMES['in_progress']}"
    lines = [line for line in sent.text.splitlines() if line.startswith("- ")]
    assert lines == [
        "- Sat 5 Dec, 23:02: Ada assigned you “Write the launch plan”",
        f"- Sat 5 Dec, 23:03: Ada moved “Write the launch plan” {moved}",
        "- Sat 5 Dec, 23:04: Ada commented on “Write the launch plan”: See the plan",
    ]
    assert "What happened to “Write the launch plan” (times in Asia/Tokyo):" in sent.text
    assert f"    {COMMENT}" in sent.text  # the plain part keeps the comment as written
    assert f"/tasks/{task.id}" in sent.text
    assert sent.html is not None
    assert "<strong>the plan</strong>" in sent.html
    assert '<a href="https://example.com/plan" rel="noopener noreferrer nofollow">' in sent.html
    assert "<script" not in sent.html
    assert sent.html.index("assigned you") < sent.html.index("moved") < sent.html.index("commented")
    assert await flush(scene.rt, outbox, seconds=600) == mail.FlushReport()  # sent once


async def test_two_tasks_are_two_emails(scene: Scene) -> None:
    launch, venue = scene.task(), scene.task("Book the venue")
    for event in (scene.assigned(launch), scene.assigned(venue), scene.started(launch)):
        await scene.send(event)
    outbox = Outbox()

    await flush(scene.rt, outbox)

    subjects = sorted(m.subject for m in outbox.to(scene.bob))
    assert subjects == [
        "TaskFlow: 2 updates to “Write the launch plan”",
        "TaskFlow: Ada assigned you “Book the venue”",
    ]


async def test_an_event_delivered_again_is_listed_once(scene: Scene) -> None:
    task = scene.task()
    event = scene.assigned(task)
    for _ in range(3):
        await scene.send(event)
    outbox = Outbox()

    await flush(scene.rt, outbox)

    [sent] = outbox.to(scene.bob)
    assert sent.subject == "TaskFlow: Ada assigned you “Write the launch plan”"
    assert sum(line.startswith("- ") for line in sent.text.splitlines()) == 1


async def test_flushes_racing_each_other_send_each_group_once(scene: Scene) -> None:
    tasks = [scene.task(f"Task {n}") for n in range(4)]
    for task in tasks:
        await scene.send(scene.assigned(task))
    outbox = Outbox(delay=0.05)  # slow enough for the flushes to overlap

    reports = await asyncio.gather(*(flush(scene.rt, outbox) for _ in range(3)))

    assert sum(r.sent for r in reports) == 4
    assert sorted(m.subject for m in outbox.to(scene.bob)) == sorted(
        f"TaskFlow: Ada assigned you “{t.title}”" for t in tasks
    )


async def test_muted_kinds_are_left_out_of_the_email(scene: Scene) -> None:
    await choose_email(scene.api, scene.bob, muted=("task.status_changed",))
    task, quiet = scene.task(), scene.task("Only moves")
    for event in (scene.assigned(task), scene.started(task), scene.started(quiet)):
        await scene.send(event)
    outbox = Outbox()

    await flush(scene.rt, outbox)

    [sent] = outbox.to(scene.bob)  # nothing at all about the task that only moved
    assert sent.subject == "TaskFlow: Ada assigned you “Write the launch plan”"
    assert "moved" not in sent.text


async def test_a_kind_muted_or_email_turned_off_before_the_flush_is_not_sent(
    scene: Scene,
) -> None:
    task = scene.task()
    await scene.send(scene.assigned(task))
    await scene.send(scene.started(task))
    await choose_email(scene.api, scene.bob, muted=("task.status_changed",))
    outbox = Outbox()

    await flush(scene.rt, outbox)
    [sent] = outbox.to(scene.bob)
    assert "moved" not in sent.text

    await scene.send(scene.commented(task))
    off = await scene.api.put(
        "/api/notifications/preferences",
        json={"email_enabled": False},
        headers=scene.bob.headers,
    )
    assert off.status_code == 200, off.text
    report = await flush(scene.rt, outbox, seconds=60)
    assert (report.sent, report.skipped) == (0, 1)
    assert len(outbox.to(scene.bob)) == 1


async def test_a_notice_after_the_group_was_claimed_goes_in_the_next_email(scene: Scene) -> None:
    task = scene.task()
    await scene.send(scene.assigned(task))
    outbox = Outbox()
    await flush(scene.rt, outbox)

    await scene.send(scene.started(task))
    await flush(scene.rt, outbox, seconds=200)

    first, second = outbox.to(scene.bob)
    assert "assigned you" in first.text
    assert "moved" not in first.text
    assert "moved" in second.text
    assert "assigned you" not in second.text


async def test_a_failed_send_is_retried_later_and_sent_once(scene: Scene) -> None:
    await scene.send(scene.assigned(scene.task()))
    failing = Outbox(error=ConnectionError("SES unreachable"))

    report = await flush(scene.rt, failing)
    assert report.failed == 1
    [group] = await groups_of(scene.rt, scene.bob)
    assert group["settled_at"] is None
    assert group["attempts"] == 1
    assert group["claim"] is None  # free for the next flush, once its backoff has passed
    assert await flush(scene.rt, failing) == mail.FlushReport()  # too soon

    working = Outbox()
    assert (await flush(scene.rt, working, seconds=mail.RETRY_BASE_SECONDS)).sent == 1
    assert len(working.to(scene.bob)) == 1
    [group] = await groups_of(scene.rt, scene.bob)
    assert group["outcome"] == "sent"
    assert group["attempts"] == 2
    assert await flush(scene.rt, working, seconds=7200) == mail.FlushReport()


async def test_an_address_refused_for_good_is_settled_not_retried(scene: Scene) -> None:
    await scene.send(scene.assigned(scene.task()))

    await flush(scene.rt, Outbox(error=mail.MailRejected("no such mailbox")))

    [group] = await groups_of(scene.rt, scene.bob)
    assert group["outcome"] == "rejected"
    assert await flush(scene.rt, Outbox(), seconds=7200) == mail.FlushReport()


async def test_a_flush_that_died_leaves_its_group_to_the_next_once_its_claim_lapses(
    scene: Scene,
) -> None:
    await scene.send(scene.assigned(scene.task()))
    claimed = await mail._claim_next(scene.rt, later())  # a flush that then died
    assert claimed is not None

    assert await flush(scene.rt, Outbox()) == mail.FlushReport()  # still held
    outbox = Outbox()
    assert (await flush(scene.rt, outbox, seconds=mail.CLAIM_SECONDS + 1)).sent == 1
    assert len(outbox.to(scene.bob)) == 1


async def test_the_scheduled_function_flushes_through_the_route_table(scene: Scene) -> None:
    from events.transport.scheduler import in_process_post, scheduled_routes
    from functions.core import runtime

    await scene.send(scene.assigned(scene.task()))
    [route] = [r for r in scheduled_routes() if r.target == "flush_emails"]
    assert route.schedule == "* * * * *"
    previous = runtime.install(scene.rt)
    try:
        # Not due yet: the call answers, sends nothing, and leaves the group waiting.
        assert await in_process_post()(route) == 200
    finally:
        runtime.install(previous)
    [group] = await groups_of(scene.rt, scene.bob)
    assert group["settled_at"] is None
    assert group["send_after"] > later(-1) - timedelta(
        seconds=scene.rt.settings.email_group_seconds
    )


async def test_prune_deletes_groups_settled_past_the_retention_and_keeps_the_rest(
    scene: Scene,
) -> None:
    from functions.core.services import maintenance

    await scene.send(scene.assigned(scene.task()))
    await flush(scene.rt, Outbox())
    await scene.send(scene.assigned(scene.task("Still waiting")))
    retention = timedelta(hours=scene.rt.settings.outbox_retention_hours)

    await maintenance.prune(scene.rt, now=later() + timedelta(hours=1))
    assert len(await groups_of(scene.rt, scene.bob)) == 2
    *_, pruned = await maintenance.prune(scene.rt, now=later() + retention + timedelta(hours=1))

    assert pruned >= 1
    [waiting] = await groups_of(scene.rt, scene.bob)
    assert waiting["settled_at"] is None
