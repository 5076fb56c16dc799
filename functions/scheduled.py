"""Functions a timer calls: a Knative PingSource in a cluster, `events.transport.scheduler` locally.

They are internal (trigger SCHEDULE: never mounted on the public gateway) and take no user
token. Whatever the timer POSTs (PingSource's `dev.knative.sources.ping` CloudEvent, or an
empty body) only says "now"; each run is idempotent, so an extra or repeated call is harmless.
"""

from __future__ import annotations

from functions.core.models.common import Public
from functions.core.services import attachments, due_soon, mail, reminders
from functions.edge import Call, endpoint


class DueSoonSweep(Public):
    emitted: int


@endpoint(auth=False, response=DueSoonSweep)
async def emit_due_soon(call: Call[None, None]) -> DueSoonSweep:
    """Announce the open tasks whose due date has come within the due-soon window."""
    return DueSoonSweep(emitted=await due_soon.emit_due_soon(call.rt))


class EmailFlush(Public):
    sent: int
    skipped: int
    failed: int


@endpoint(auth=False, response=EmailFlush)
async def flush_emails(call: Call[None, None]) -> EmailFlush:
    """Send each e-mail group whose window has passed: one e-mail per person and task."""
    report = await mail.flush_emails(call.rt)
    return EmailFlush(sent=report.sent, skipped=report.skipped, failed=report.failed)


class ReminderSweep(Public):
    emitted: int


@endpoint(auth=False, response=ReminderSweep)
async def emit_reminders(call: Call[None, None]) -> ReminderSweep:
    """Fire each reminder that has come due, once: to its person alone."""
    return ReminderSweep(emitted=await reminders.emit_reminders(call.rt))


class AttachmentSweep(Public):
    swept: int


@endpoint(auth=False, response=AttachmentSweep)
async def sweep_attachments(call: Call[None, None]) -> AttachmentSweep:
    """Give up the uploads never completed whose form expired long ago: their stored files
    and their rows go."""
    return AttachmentSweep(swept=await attachments.sweep_abandoned(call.rt))
