"""The data of each TaskFlow event, as pydantic models (the JSON Schemas are generated from these).

Events carry what a consumer needs to act without reading our database back: a snapshot of
the task as it stands after the change, and what changed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from events import types
from events.vocabulary import (
    Day,
    Description,
    Instant,
    Labels,
    Priority,
    Recurrence,
    RecurrenceBasis,
    Role,
    Status,
    Title,
    unique_labels,
)


class EventData(BaseModel):
    # Consumers must accept fields added later, so schemas stay open; we never send extras.
    # Each model's validator is built on first use: a process uses a few of them, if any.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class TaskSnapshot(EventData):
    """The task after the change: all of it, so an open screen can show it as it now is.

    The fields from `description` on came later; events written before them lack them.
    """

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
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    # Set for an all-day task (due_at is then the end of that day).
    due_date: date | None = None
    parent_id: uuid.UUID | None = None
    subtask_count: int | None = None
    subtasks_done: int | None = None
    recurrence: str | None = None
    recurrence_basis: RecurrenceBasis | None = None
    next_occurrence_id: uuid.UUID | None = None


class TaskFieldValues(EventData):
    """Values of a task's changeable fields; only those named in `changed` are meaningful."""

    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    due_at: datetime | None = None
    labels: list[str] | None = None
    assignee_id: uuid.UUID | None = None
    due_date: date | None = None
    parent_id: uuid.UUID | None = None
    recurrence: str | None = None
    recurrence_basis: RecurrenceBasis | None = None


# The people a change newly mentions (`@Name`): project members only (absent from older events).
MentionedIds = list[uuid.UUID]


class TaskCreated(EventData):
    task: TaskSnapshot
    mentioned_ids: MentionedIds = Field(default_factory=list)


class TaskUpdated(EventData):
    """Fields other than status and assignee changed (those have events of their own)."""

    task: TaskSnapshot
    changed: list[str] = Field(min_length=1)
    # The changed fields' values before the change (absent from events written before it).
    previous: TaskFieldValues | None = None
    mentioned_ids: MentionedIds = Field(default_factory=list)


class TaskStatusChanged(EventData):
    task: TaskSnapshot
    previous_status: Status


class TaskAssigned(EventData):
    task: TaskSnapshot
    previous_assignee_id: uuid.UUID | None


class TaskDeleted(EventData):
    task: TaskSnapshot
    # Who watched it just before it went (absent from older events).
    watcher_ids: list[uuid.UUID] = Field(default_factory=list)


# A relation as stored: `task_id` blocks, duplicates, or relates to `related_id`.
RelationKind = Literal["blocks", "relates_to", "duplicates"]


class RelationSnapshot(EventData):
    id: uuid.UUID
    task_id: uuid.UUID
    related_id: uuid.UUID
    kind: RelationKind


class TaskRelationAdded(EventData):
    """A relation between two tasks was made from `task` (one of the two)."""

    task: TaskSnapshot
    relation: RelationSnapshot


class TaskRelationRemoved(EventData):
    """A relation between two tasks was removed from `task` (one of the two)."""

    task: TaskSnapshot
    relation: RelationSnapshot


class TaskDueSoon(EventData):
    task: TaskSnapshot
    due_at: datetime


class TaskReminder(EventData):
    """One person's reminder on a task came due: only they are told."""

    task: TaskSnapshot
    reminder_id: uuid.UUID
    user_id: uuid.UUID
    # When it was set to fire; the task's due instant then (null if it has none).
    fire_at: datetime
    due_at: datetime | None
    # Minutes before the due date, for a relative reminder.
    offset_minutes: int | None = None


class CommentAdded(EventData):
    task: TaskSnapshot
    comment_id: uuid.UUID
    author_id: uuid.UUID | None
    # The start of the comment, enough for a notification line.
    excerpt: str = Field(max_length=200)
    # The whole comment, for the threads open on screens (absent from older events).
    body: str | None = None
    created_at: datetime | None = None
    mentioned_ids: MentionedIds = Field(default_factory=list)


class CommentUpdated(EventData):
    """Its author changed a comment's text."""

    task: TaskSnapshot
    comment_id: uuid.UUID
    author_id: uuid.UUID | None
    excerpt: str = Field(max_length=200)
    body: str
    edited_at: datetime
    # Only the people this edit mentions who were not mentioned before it.
    mentioned_ids: MentionedIds = Field(default_factory=list)


class CommentDeleted(EventData):
    task: TaskSnapshot
    comment_id: uuid.UUID
    author_id: uuid.UUID | None


class MemberAdded(EventData):
    project_id: uuid.UUID
    project_name: str
    user_id: uuid.UUID
    role: Role
    # Who the member is, for the screens that list members (absent from older events).
    display_name: str | None = None
    email: str | None = None


class MemberChanged(EventData):
    """A member's role changed."""

    project_id: uuid.UUID
    project_name: str
    user_id: uuid.UUID
    role: Role
    previous_role: Role


class MemberRemoved(EventData):
    """A member left or was removed: the tasks they were assigned to are unassigned."""

    project_id: uuid.UUID
    project_name: str
    user_id: uuid.UUID
    role: Role
    unassigned_task_ids: list[uuid.UUID] = Field(default_factory=list)


class ProjectSnapshot(EventData):
    id: uuid.UUID
    name: str
    description: str
    owner_id: uuid.UUID
    updated_at: datetime


class ProjectUpdated(EventData):
    project: ProjectSnapshot
    changed: list[str] = Field(min_length=1)


class ProjectDeleted(EventData):
    project_id: uuid.UUID
    project_name: str


class AttachmentSnapshot(EventData):
    """A file on a task (its bytes are in the attachment store, never in an event)."""

    id: uuid.UUID
    task_id: uuid.UUID
    filename: str
    content_type: str
    size: int
    uploader_id: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None = None


class AttachmentAdded(EventData):
    """An upload was confirmed: the file is on the task."""

    task: TaskSnapshot
    attachment: AttachmentSnapshot


class AttachmentDeleted(EventData):
    """A file left a task (or its upload was given up); its object is deleted after it."""

    task: TaskSnapshot
    attachment: AttachmentSnapshot


class PasswordResetRequested(EventData):
    """Someone asked for a password reset link for this address (normalised); it is mailed
    only if the address has an account."""

    email: str


class EmailVerificationRequested(EventData):
    """An account's address is to be verified: a link is mailed to it."""

    user_id: uuid.UUID
    email: str


class ProjectImportRequested(EventData):
    """A file was accepted for import; its plan is in the import's row."""

    import_id: uuid.UUID
    user_id: uuid.UUID


class CreateTask(BaseModel):
    """The command `com.taskflow.task.create`: other systems ask for a task. Unknown fields are
    refused, never silently dropped."""

    # A due date is an instant (`due_at`) or an all-day date (`due_date`), never both.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"not": {"required": ["due_at", "due_date"]}}
    )

    project_id: uuid.UUID
    title: Title
    description: Description = ""
    status: Status = "todo"
    priority: Priority = "medium"
    due_at: Instant | None = None
    labels: Labels = Field(default_factory=list)
    assignee_id: uuid.UUID | None = None
    # All-day: due at the end of this day in the time zone of the person it is created for.
    due_date: Day | None = None
    # A subtask: its parent, a task of the same project.
    parent_id: uuid.UUID | None = None
    # Repeats: completing it creates the next occurrence (it needs a due date).
    recurrence: Recurrence | None = None
    # From the due date (the default) or from completion.
    recurrence_basis: RecurrenceBasis | None = None

    _labels = field_validator("labels")(unique_labels)

    @model_validator(mode="after")
    def _one_due_date(self) -> CreateTask:
        refuse_two_due_dates(self.model_fields_set)
        return self


def refuse_two_due_dates(fields: set[str]) -> None:
    """A due date comes as `due_at` or as `due_date`: both at once is refused."""
    if {"due_at", "due_date"} <= fields:
        raise ValueError("send due_at (an instant) or due_date (an all-day date), not both")


# Every event type TaskFlow produces or accepts, with the model of its data.
DATA_MODELS: Final[dict[str, type[BaseModel]]] = {
    types.TASK_CREATED: TaskCreated,
    types.TASK_UPDATED: TaskUpdated,
    types.TASK_STATUS_CHANGED: TaskStatusChanged,
    types.TASK_ASSIGNED: TaskAssigned,
    types.TASK_DELETED: TaskDeleted,
    types.TASK_DUE_SOON: TaskDueSoon,
    types.TASK_REMINDER: TaskReminder,
    types.TASK_RELATION_ADDED: TaskRelationAdded,
    types.TASK_RELATION_REMOVED: TaskRelationRemoved,
    types.COMMENT_ADDED: CommentAdded,
    types.COMMENT_UPDATED: CommentUpdated,
    types.COMMENT_DELETED: CommentDeleted,
    types.MEMBER_ADDED: MemberAdded,
    types.MEMBER_CHANGED: MemberChanged,
    types.MEMBER_REMOVED: MemberRemoved,
    types.PROJECT_UPDATED: ProjectUpdated,
    types.PROJECT_DELETED: ProjectDeleted,
    types.ATTACHMENT_ADDED: AttachmentAdded,
    types.ATTACHMENT_DELETED: AttachmentDeleted,
    types.PASSWORD_RESET_REQUESTED: PasswordResetRequested,
    types.EMAIL_VERIFICATION_REQUESTED: EmailVerificationRequested,
    types.PROJECT_IMPORT_REQUESTED: ProjectImportRequested,
    types.TASK_CREATE: CreateTask,
}

EXCERPT_LENGTH: Final = 200


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"
