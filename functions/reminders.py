"""Reminder functions: a person's own reminders on a task."""

from __future__ import annotations

from functions.edge import Call, endpoint


@endpoint()
async def list_reminders(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def add_reminder(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def delete_reminder(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError
