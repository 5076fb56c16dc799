"""A project's export on the wire: the query that asks for one, and the parts of its JSON
document (format `taskflow.project`, version 1), which the CSV flattens row by row."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final, Literal

from events.vocabulary import Priority, RecurrenceBasis, Role, Status
from functions.core.models.common import Public, Strict

ExportFormat = Literal["json", "csv"]
# What the JSON document calls itself, and the version of its shape.
FORMAT: Final = "taskflow.project"
VERSION: Final = 1


class ExportQuery(Strict):
    """GET /api/projects/{id}/export: `format` is `json` (the default) or `csv`."""

    format: ExportFormat = "json"


class ExportedProject(Public):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime


class ExportedMember(Public):
    email: str
    display_name: str
    role: Role


class ExportedComment(Public):
    id: uuid.UUID
    # NULL once the author's account is gone.
    author_email: str | None
    body: str
    created_at: datetime
    updated_at: datetime


class ExportedAttachment(Public):
    """A file's description only: its bytes stay in the store."""

    filename: str
    content_type: str
    size: int


class ExportedTask(Public):
    id: uuid.UUID
    # The exported id of the parent, which is in the same document.
    parent_id: uuid.UUID | None
    title: str
    description: str
    status: Status
    priority: Priority
    # An all-day task has both: its day, and the instant that day ends where it was set.
    due_at: datetime | None
    due_date: date | None
    labels: list[str]
    assignee_email: str | None
    creator_email: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    recurrence: str | None
    recurrence_basis: RecurrenceBasis | None
    comments: list[ExportedComment]
    attachments: list[ExportedAttachment]


class ExportHeader(Public):
    """What the document says before its tasks."""

    format: Literal["taskflow.project"] = FORMAT
    version: Literal[1] = VERSION
    exported_at: datetime
    project: ExportedProject
    members: list[ExportedMember]
