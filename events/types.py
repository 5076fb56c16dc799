"""The names that go on the wire: event types, extension attributes, exchange and channel."""

from __future__ import annotations

from typing import Final

# Facts (past tense), produced by TaskFlow's functions through the outbox.
TASK_CREATED: Final = "com.taskflow.task.created"
TASK_UPDATED: Final = "com.taskflow.task.updated"
TASK_STATUS_CHANGED: Final = "com.taskflow.task.status_changed"
TASK_ASSIGNED: Final = "com.taskflow.task.assigned"
TASK_DELETED: Final = "com.taskflow.task.deleted"
TASK_DUE_SOON: Final = "com.taskflow.task.due_soon"
COMMENT_ADDED: Final = "com.taskflow.comment.added"
MEMBER_ADDED: Final = "com.taskflow.project.member_added"

# A command (imperative) other systems send to POST /api/events.
TASK_CREATE: Final = "com.taskflow.task.create"

# What TaskFlow's functions emit, each of which may notify someone; and what it accepts.
PRODUCED_TYPES: Final = (
    TASK_CREATED,
    TASK_UPDATED,
    TASK_STATUS_CHANGED,
    TASK_ASSIGNED,
    TASK_DELETED,
    TASK_DUE_SOON,
    COMMENT_ADDED,
    MEMBER_ADDED,
)
COMMAND_TYPES: Final = (TASK_CREATE,)

# CloudEvents extension attributes (lowercase alphanumerics only, as the spec requires).
PROJECT_ID: Final = "projectid"
ACTOR_ID: Final = "actorid"
TRACEPARENT: Final = "traceparent"

# Sources are `/taskflow/<function>`: which function produced the event.
SOURCE_PREFIX: Final = "/taskflow/"

DATA_CONTENT_TYPE: Final = "application/json"

# RabbitMQ: one durable topic exchange, routing key = event type.
EXCHANGE: Final = "taskflow.events"
# PostgreSQL: the channel the outbox NOTIFYs the relay on (payload-free: it only wakes it).
OUTBOX_CHANNEL: Final = "taskflow_outbox"


def source_of(function: str) -> str:
    return f"{SOURCE_PREFIX}{function}"
