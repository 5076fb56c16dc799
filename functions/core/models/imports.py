"""Imports on the wire: a file becoming a project, its progress and each item's result."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from functions.core.models.common import Public

ImportSource = Literal["todoist", "trello", "taskflow"]
ImportStatus = Literal["queued", "running", "done", "failed"]
ImportOutcome = Literal["created", "failed"]


class ImportPublic(Public):
    id: uuid.UUID
    source: ImportSource
    filename: str
    # The new project's name.
    name: str
    status: ImportStatus
    # Tasks in the file; those processed so far, created and failed.
    total: int
    processed: int
    created: int
    failed: int
    # Set as soon as the project exists (while the import runs, too).
    project_id: uuid.UUID | None
    # Why it stopped, and how far it got.
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ImportItemPublic(Public):
    """One task of the file: where it is ("line 12", "card 5f0c…", "task 3") and what became
    of it; `message` says what was changed or left out, or why it failed."""

    position: int
    ref: str
    title: str
    outcome: ImportOutcome
    task_id: uuid.UUID | None
    message: str | None


class ImportDetail(ImportPublic):
    # In the file's order, as they are processed.
    items: list[ImportItemPublic]


class ImportsPublic(Public):
    # Newest first, at most 50.
    items: list[ImportPublic]
