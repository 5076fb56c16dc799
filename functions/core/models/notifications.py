"""In-app notifications on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final

from pydantic import ConfigDict, Field, StrictBool, model_validator

from functions.core.models.common import DEFAULT_PAGE, Cursor, PageLimit, Public, Strict

# A notification's id is its position in its owner's feed (a Redis stream entry id):
# ids sort by arrival, and the live stream sends the same id as each event's `id:`.
NOTIFICATION_ID_PATTERN: Final = r"^[0-9]{1,20}-[0-9]{1,20}$"
NotificationId = Annotated[str, Field(pattern=NOTIFICATION_ID_PATTERN)]


class NotificationPublic(Public):
    id: str
    # The event type without its `com.taskflow.` prefix, e.g. `task.assigned`.
    kind: str
    message: str
    task_id: uuid.UUID | None
    project_id: uuid.UUID
    actor_id: uuid.UUID | None
    created_at: datetime
    read: bool
    # A due-soon notice: the due instant it is about (shown in the reader's own time zone).
    due_at: datetime | None = None
    # A due-soon notice whose task is since done, cancelled or deleted, or due at another
    # time (or no longer due): no longer news, so also read.
    resolved: bool = False


class NotificationsPublic(Public):
    """Newest first."""

    items: list[NotificationPublic]
    next_cursor: str | None = None


class UnreadCount(Public):
    unread: int


class NotificationListQuery(Strict):
    unread_only: bool = False
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None


class MarkRead(Strict):
    """Mark the notifications named in `ids` read, or every one with `all: true`."""

    # Exactly one: `ids` present and not null, or `all` true.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["ids"], "properties": {"ids": {"type": "array"}}},
                {"required": ["all"], "properties": {"all": {"const": True}}},
            ]
        }
    )

    ids: Annotated[list[NotificationId], Field(min_length=1, max_length=500)] | None = None
    all: StrictBool = False

    @model_validator(mode="after")
    def _ids_or_all(self) -> MarkRead:
        if (self.ids is None) == (not self.all):
            raise ValueError("send either `ids` or `all: true`")
        return self
