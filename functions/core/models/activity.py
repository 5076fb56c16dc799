"""A task's history on the wire: what happened to it, who did it, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from functions.core.models.common import DEFAULT_PAGE, Cursor, PageLimit, Public, Strict

# One kind per event type a history records (the table's CHECK lists the same).
ActivityKind = Literal[
    "created",
    "updated",
    "status_changed",
    "assigned",
    "deleted",
    "comment_added",
    "comment_edited",
    "comment_deleted",
]
# A field's value as JSON: text (ids and instants as strings), labels, or none.
FieldValue = str | list[str] | None


class ActivityChange(Public):
    """One field a change touched: `status`, `assignee_id`, `title`, `due_at`, ..."""

    field: str
    before: FieldValue
    after: FieldValue


class ActivityEntry(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    task_id: uuid.UUID
    # The task's title when it happened.
    task_title: str
    actor_id: uuid.UUID | None
    # Null when the account is gone.
    actor_name: str | None
    kind: ActivityKind
    changes: list[ActivityChange]
    comment_id: uuid.UUID | None
    # The start of the comment (as added, or as edited), while the comment exists.
    excerpt: str | None
    occurred_at: datetime


class ActivityPage(Public):
    """Newest first."""

    items: list[ActivityEntry]
    next_cursor: str | None = None


class ActivityListQuery(Strict):
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None
