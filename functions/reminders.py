"""Reminder functions: a person's own reminders on a task."""

from __future__ import annotations

from functions.core.models.reminders import ReminderCreate, ReminderPublic, RemindersPublic
from functions.core.services import reminders
from functions.edge import Call, endpoint


@endpoint(response=RemindersPublic)
async def list_reminders(call: Call[None, None]) -> RemindersPublic:
    """Your own reminders on a task you may read, soonest first; nobody else's."""
    return await reminders.list_reminders(call.rt, call.user.user_id, call.path_uuid("task_id"))


@endpoint(body=ReminderCreate, response=ReminderPublic, status=201)
async def add_reminder(call: Call[ReminderCreate, None]) -> ReminderPublic:
    """Remind yourself of a task you may read (viewers too): at an instant, or some minutes
    before it is due (moving with its due date). At most 10 per person and task (409)."""
    return await reminders.add_reminder(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.body
    )


@endpoint(status=204)
async def delete_reminder(call: Call[None, None]) -> None:
    """Delete one of your reminders; anyone else's is not found."""
    await reminders.delete_reminder(
        call.rt,
        call.user.user_id,
        call.path_uuid("task_id"),
        call.path_uuid("reminder_id"),
    )
