"""The data of each TaskFlow event, as pydantic models (the JSON Schemas are generated from these).

Events carry what a consumer needs to act without reading our database back: a snapshot of
the task as it stands after the change, and what changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from events import types
from events.vocabulary import (
    Description,
    Instant,
    Labels,
    Priority,
    Role,
    Status,
    Title,
    unique_labels,
)


class EventData(BaseModel):
    # Consumers must accept fields added later, so schemas stay open; we never send extras.
    model_config = ConfigDict(frozen=True, extra="ignore")


class TaskSnapshot(EventData):
    """The task after the change."""

    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    status: Status
    priority: Priority
    assignee_id: uuid.UUID | None
    creator_id: uuid.UUID | None
    due_at: datetime | None
    labels: list[str]
    version: int


class TaskCreated(EventData):
    task: TaskSnapshot


class TaskUpdated(EventData):
    """Fields other than status and assignee changed (those have events of their own)."""

    task: TaskSnapshot
    changed: list[str] = Field(min_length=1)


class TaskStatusChanged(EventData):
    task: TaskSnapshot
    previous_status: Status


class TaskAssigned(EventData):
    task: TaskSnapshot
    previous_assignee_id: uuid.UUID | None


class TaskDeleted(EventData):
    task: TaskSnapshot


class TaskDueSoon(EventData):
    task: TaskSnapshot
    due_at: datetime


class CommentAdded(EventData):
    task: TaskSnapshot
    comment_id: uuid.UUID
    author_id: uuid.UUID | None
    # The start of the comment, enough for a notification line.
    excerpt: str = Field(max_length=200)


class MemberAdded(EventData):
    project_id: uuid.UUID
    project_name: str
    user_id: uuid.UUID
    role: Role


class CreateTask(BaseModel):
    """The command `com.taskflow.task.create`: other systems ask for a task. Unknown fields are
    refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID
    title: Title
    description: Description = ""
    status: Status = "todo"
    priority: Priority = "medium"
    due_at: Instant | None = None
    labels: Labels = Field(default_factory=list)
    assignee_id: uuid.UUID | None = None

    _labels = field_validator("labels")(unique_labels)


# Every event type TaskFlow produces or accepts, with the model of its data.
DATA_MODELS: Final[dict[str, type[BaseModel]]] = {
    types.TASK_CREATED: TaskCreated,
    types.TASK_UPDATED: TaskUpdated,
    types.TASK_STATUS_CHANGED: TaskStatusChanged,
    types.TASK_ASSIGNED: TaskAssigned,
    types.TASK_DELETED: TaskDeleted,
    types.TASK_DUE_SOON: TaskDueSoon,
    types.COMMENT_ADDED: CommentAdded,
    types.MEMBER_ADDED: MemberAdded,
    types.TASK_CREATE: CreateTask,
}

EXCERPT_LENGTH: Final = 200


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"
