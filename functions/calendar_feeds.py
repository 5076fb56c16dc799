"""Calendar functions: private iCalendar feeds of a person's tasks with due dates."""

from __future__ import annotations

from functions.edge import Call, endpoint
from functions.sink import event_sink


@endpoint()
async def list_calendar_feeds(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def create_calendar_feed(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def revoke_calendar_feed(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@endpoint()
async def calendar_feed(call: Call[None, None]) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError


@event_sink
async def refresh_calendars(*args: object) -> None:
    """CONTRACT: to be written."""
    raise NotImplementedError
