"""Tasks and comments on the wire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from events.models import CreateTask, refuse_two_due_dates
from events.vocabulary import (
    Day,
    Description,
    Instant,
    Label,
    Labels,
    NoNul,
    NotBlank,
    Priority,
    Recurrence,
    RecurrenceBasis,
    Status,
    Title,
    unique_labels,
)
from functions.core.models.common import (
    DEFAULT_PAGE,
    Cursor,
    PageLimit,
    Patch,
    Public,
    Strict,
)

TaskSort = Literal[
    "created", "-created", "updated", "-updated", "due", "-due", "priority", "-priority"
]
MAX_VERSION = 2**31 - 1  # the column is a 32-bit integer


class TaskCreate(CreateTask):
    """POST /api/tasks: today the same fields as the command other systems send as an event."""


# A due date is an instant (`due_at`) or an all-day date (`due_date`): one of them per request.
_ONE_DUE_DATE = ConfigDict(json_schema_extra={"not": {"required": ["due_at", "due_date"]}})


class TaskUpdate(Patch):
    """PATCH: only the fields sent change; `null` clears due_at, due_date and assignee_id.

    `due_date` makes the task all-day (due at the end of that day in the caller's time zone);
    `due_at` makes it due at an instant and clears `due_date`.
    `version` (or an `If-Match` header) makes the write conditional on the version read;
    `version: null` is the same as leaving the condition out.
    """

    clearable = frozenset(
        {"due_at", "due_date", "assignee_id", "version", "parent_id", "recurrence"}
    )
    model_config = _ONE_DUE_DATE
    title: Title | None = None
    description: Description | None = None
    status: Status | None = None
    priority: Priority | None = None
    due_at: Instant | None = None
    due_date: Day | None = None
    labels: Labels | None = None
    assignee_id: uuid.UUID | None = None
    # null makes a subtask a task of its own again.
    parent_id: uuid.UUID | None = None
    # null: it no longer repeats.
    recurrence: Recurrence | None = None
    recurrence_basis: RecurrenceBasis | None = None
    version: Annotated[int, Field(ge=1, le=MAX_VERSION)] | None = None

    _labels = field_validator("labels")(unique_labels)

    @model_validator(mode="after")
    def _one_due_date(self) -> TaskUpdate:
        refuse_two_due_dates(self.model_fields_set)
        return self


class TaskBulkFields(Patch):
    """The fields a bulk update may set: nothing else is accepted."""

    clearable = frozenset({"due_at", "due_date", "assignee_id"})
    model_config = ConfigDict(
        json_schema_extra={"minProperties": 1, "not": {"required": ["due_at", "due_date"]}}
    )

    status: Status | None = None
    priority: Priority | None = None
    assignee_id: uuid.UUID | None = None
    due_at: Instant | None = None
    due_date: Day | None = None
    labels: Labels | None = None

    _labels = field_validator("labels")(unique_labels)

    @model_validator(mode="after")
    def _something_to_set(self) -> TaskBulkFields:
        if not self.model_fields_set:
            raise ValueError("set at least one field")
        refuse_two_due_dates(self.model_fields_set)
        return self


class TaskBulkUpdate(Strict):
    ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]
    set: TaskBulkFields


class TaskPublic(Public):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str
    status: Status
    priority: Priority
    due_at: datetime | None
    # Set for an all-day task: due_at is then the end of this day.
    due_date: date | None
    labels: list[str]
    assignee_id: uuid.UUID | None
    creator_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int
    # A subtask's parent.
    parent_id: uuid.UUID | None
    # Its subtasks that are not cancelled, and those done.
    subtask_count: int
    subtasks_done: int
    recurrence: str | None
    recurrence_basis: RecurrenceBasis | None
    # The occurrence completing it created.
    next_occurrence_id: uuid.UUID | None


class TasksPublic(Public):
    items: list[TaskPublic]
    next_cursor: str | None = None


class TaskListQuery(Strict):
    project_id: uuid.UUID | None = None
    # Only the subtasks of this task.
    parent_id: uuid.UUID | None = None
    status: list[Status] | None = None
    priority: list[Priority] | None = None
    assignee_id: uuid.UUID | None = None
    # true: only tasks nobody is assigned to; false: only assigned ones.
    unassigned: bool | None = None
    label: Label | None = None
    due_before: Instant | None = None
    due_after: Instant | None = None
    overdue: bool | None = None
    # true: only tasks without a due date; false: only those with one.
    no_due_date: bool | None = None
    # true: only tasks still to do (not done or cancelled); false: only done or cancelled ones.
    open: bool | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul] | None = None
    sort: TaskSort = "-created"
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None


class TaskStatsQuery(Strict):
    project_id: uuid.UUID | None = None


class TaskStats(Public):
    total: int
    by_status: dict[Status, int]
    by_priority: dict[Priority, int]
    overdue: int


CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
    NoNul,
    NotBlank,
]


class CommentCreate(Strict):
    body: CommentBody


class CommentUpdate(Strict):
    """PATCH a comment: its new text (its author only), with the limits of a new one."""

    body: CommentBody


class CommentPublic(Public):
    id: uuid.UUID
    task_id: uuid.UUID
    author_id: uuid.UUID | None
    author_name: str | None
    body: str
    created_at: datetime
    updated_at: datetime
    # When its author last changed it; null if never.
    edited_at: datetime | None


class CommentsPublic(Public):
    items: list[CommentPublic]
    next_cursor: str | None = None


class CommentListQuery(Strict):
    limit: PageLimit = DEFAULT_PAGE
    cursor: Cursor | None = None


WatchReason = Literal["creator", "assignee", "comment", "mention", "watch"]


class WatcherPublic(Public):
    """Someone told of what happens to a task, and why they follow it."""

    user_id: uuid.UUID
    display_name: str
    reason: WatchReason


class WatchersPublic(Public):
    """A task's watchers (current project members only), and whether the caller is one."""

    watching: bool
    items: list[WatcherPublic]
