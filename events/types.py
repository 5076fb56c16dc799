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
# One person's reminder on a task came due (only they are told).
TASK_REMINDER: Final = "com.taskflow.task.reminder"
TASK_RELATION_ADDED: Final = "com.taskflow.task.relation_added"
TASK_RELATION_REMOVED: Final = "com.taskflow.task.relation_removed"
ATTACHMENT_ADDED: Final = "com.taskflow.attachment.added"
# Its object is deleted by an event function (retried until it is gone).
ATTACHMENT_DELETED: Final = "com.taskflow.attachment.deleted"
COMMENT_ADDED: Final = "com.taskflow.comment.added"
COMMENT_UPDATED: Final = "com.taskflow.comment.updated"
COMMENT_DELETED: Final = "com.taskflow.comment.deleted"
MEMBER_ADDED: Final = "com.taskflow.project.member_added"
MEMBER_CHANGED: Final = "com.taskflow.project.member_changed"
MEMBER_REMOVED: Final = "com.taskflow.project.member_removed"
PROJECT_UPDATED: Final = "com.taskflow.project.updated"
PROJECT_DELETED: Final = "com.taskflow.project.deleted"
# Mail about an account: a password reset was asked for (whether or not the address has an
# account), or an address is to be verified. The function that sends the mail makes the
# link's secret: no secret is ever carried in an event.
PASSWORD_RESET_REQUESTED: Final = "com.taskflow.account.password_reset_requested"
EMAIL_VERIFICATION_REQUESTED: Final = "com.taskflow.account.email_verification_requested"
ACCOUNT_MAIL_TYPES: Final = (PASSWORD_RESET_REQUESTED, EMAIL_VERIFICATION_REQUESTED)
# An import was accepted: the run_import function creates its project and tasks.
PROJECT_IMPORT_REQUESTED: Final = "com.taskflow.project.import_requested"

# A command (imperative) other systems send to POST /api/events.
TASK_CREATE: Final = "com.taskflow.task.create"

# What may notify someone (in the app, by e-mail, by webhook).
NOTIFYING_TYPES: Final = (
    TASK_CREATED,
    TASK_UPDATED,
    TASK_STATUS_CHANGED,
    TASK_ASSIGNED,
    TASK_DELETED,
    TASK_DUE_SOON,
    TASK_REMINDER,
    COMMENT_ADDED,
    # Only the people an edit newly mentions hear of it.
    COMMENT_UPDATED,
    MEMBER_ADDED,
)
# What changes a task's record: each is an entry in its history.
TASK_HISTORY_TYPES: Final = (
    TASK_CREATED,
    TASK_UPDATED,
    TASK_STATUS_CHANGED,
    TASK_ASSIGNED,
    TASK_DELETED,
    COMMENT_ADDED,
    COMMENT_UPDATED,
    COMMENT_DELETED,
)
# What changes what a project's members see on their open screens.
TEAM_CHANGE_TYPES: Final = (
    *TASK_HISTORY_TYPES,
    MEMBER_ADDED,
    MEMBER_CHANGED,
    MEMBER_REMOVED,
    PROJECT_UPDATED,
    PROJECT_DELETED,
    TASK_RELATION_ADDED,
    TASK_RELATION_REMOVED,
    ATTACHMENT_ADDED,
    ATTACHMENT_DELETED,
)
# Everything TaskFlow's functions emit, and what it accepts from other systems.
PRODUCED_TYPES: Final = (
    *NOTIFYING_TYPES,
    COMMENT_DELETED,
    MEMBER_CHANGED,
    MEMBER_REMOVED,
    PROJECT_UPDATED,
    PROJECT_DELETED,
    ATTACHMENT_ADDED,
    ATTACHMENT_DELETED,
    TASK_RELATION_ADDED,
    TASK_RELATION_REMOVED,
    *ACCOUNT_MAIL_TYPES,
    PROJECT_IMPORT_REQUESTED,
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
