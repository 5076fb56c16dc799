"""Reminders on the wire: one person's own, on a task."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from events.vocabulary import Instant
from functions.core.models.common import Patch, Public

MAX_OFFSET_MINUTES: Final = 525_600


def _a_number(value: Any) -> Any:
    # JSON Schema's integer is any number without a fraction (15.0 too), never "15" or true.
    if isinstance(value, str | bool):
        raise ValueError("send a whole number")
    return value


# Minutes before the due date: up to a year.
OffsetMinutes = Annotated[int, Field(ge=0, le=MAX_OFFSET_MINUTES), BeforeValidator(_a_number)]
# A person's reminders on one task.
MAX_REMINDERS_PER_TASK: Final = 10


class ReminderCreate(Patch):
    """Exactly one of: an instant (`remind_at`), or minutes before the task is due
    (`offset_minutes`; it moves with the due date, and waits while there is none)."""

    # A Patch for its handling of null: refused for both, and not offered by the document.

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["remind_at"], "not": {"required": ["offset_minutes"]}},
                {"required": ["offset_minutes"], "not": {"required": ["remind_at"]}},
            ]
        }
    )

    remind_at: Instant | None = None
    offset_minutes: OffsetMinutes | None = None

    @model_validator(mode="after")
    def _one_when(self) -> ReminderCreate:
        if (self.remind_at is None) == (self.offset_minutes is None):
            raise ValueError("send either `remind_at` or `offset_minutes`")
        return self


class ReminderPublic(Public):
    id: uuid.UUID
    task_id: uuid.UUID
    remind_at: datetime | None
    offset_minutes: int | None
    # When it fires: remind_at, or offset_minutes before the due date (null: no due date).
    fire_at: datetime | None
    # When it did; cleared when the due date moves it.
    fired_at: datetime | None
    created_at: datetime


class RemindersPublic(Public):
    """The caller's own reminders on the task, soonest first (those without a time last)."""

    items: list[ReminderPublic]
