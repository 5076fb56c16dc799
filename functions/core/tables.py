"""The relational schema, as SQLAlchemy Core tables (the migrations create the same)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Json = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER only


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps them as naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _timestamp(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Stored lower-cased: uniqueness is case-insensitive by construction.
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    # An IANA name (`Europe/Lisbon`) for times in notices and e-mails; NULL: not chosen (UTC).
    Column("time_zone", String(64), nullable=True),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    # When a link mailed to the current address was followed; NULL: not verified, so no
    # notification e-mails go to it. A changed address is unverified again.
    _timestamp("email_verified_at", nullable=True),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("is_inbox", Boolean, nullable=False, server_default=false()),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

project_members = Table(
    "project_members",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    # Told of every new task in the project, not only of those they watch.
    Column("notify_new_tasks", Boolean, nullable=False, server_default=false()),
    _timestamp("created_at"),
    CheckConstraint("role in ('owner', 'editor', 'viewer')", name="role"),
    Index(None, "user_id"),
)

RECURRENCE_BASIS_SQL = "recurrence_basis in ('due', 'completion')"

# Not done or cancelled (core.queries.tasks.CLOSED), as literal SQL: a partial index serves a
# query only when the planner can see the query implies its predicate, which it cannot from
# bound parameters in a generic plan.
OPEN_TASK_SQL = "status NOT IN ('done', 'cancelled')"

tasks = Table(
    "tasks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    _timestamp("due_at", nullable=True),
    # Set for an all-day task: due_at is then the end of this day in its setter's time zone.
    Column("due_date", Date, nullable=True),
    Column("labels", Json, nullable=False),
    Column("assignee_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("creator_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    _timestamp("completed_at", nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    # A subtask's parent, in the same project; deleting a parent deletes its subtasks.
    Column("parent_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True),
    # Subtasks not cancelled, and those done: kept by triggers on tasks (migration 0009).
    Column("subtask_count", Integer, nullable=False, server_default="0"),
    Column("subtasks_done", Integer, nullable=False, server_default="0"),
    # An RFC 5545 RRULE; repeating from the due date or from completion.
    Column("recurrence", String(500), nullable=True),
    Column("recurrence_basis", String(16), nullable=True),
    # The occurrence completing this one created: set once, so it is created once.
    Column("next_occurrence_id", Uuid, nullable=True),
    CheckConstraint(
        "status in ('todo', 'in_progress', 'review', 'done', 'cancelled')", name="status"
    ),
    CheckConstraint(RECURRENCE_BASIS_SQL, name="recurrence_basis"),
    CheckConstraint("priority in ('low', 'medium', 'high', 'urgent')", name="priority"),
    # A list page walks one of these per project of the caller's, in the page's order, and
    # stops at the page's length (core.queries.task_pages): the first page of any size of
    # table reads about a page per project. Sorting by due date walks (due_at, id) twice,
    # the tasks with a date and those without; by priority, (priority, id) once per priority.
    Index(None, "project_id", "created_at", "id"),
    Index(None, "project_id", "updated_at", "id"),
    Index(None, "project_id", "due_at", "id"),
    Index(None, "project_id", "priority", "id"),
    # A board's column, or a status filter: newest first within (project, status).
    Index(None, "project_id", "status", "created_at", "id"),
    # Someone's tasks, newest first within each project; it also serves the foreign key.
    Index(None, "assignee_id", "project_id", "created_at", "id"),
    # A task's subtasks, oldest first; it also serves the foreign key.
    Index(None, "parent_id", "created_at", "id"),
    # The due-soon sweep walks open tasks in (due_at, id) order; closed ones, most rows
    # in time, stay out of the index.
    Index(
        "ix_tasks_open_due",
        "due_at",
        "id",
        postgresql_where=literal_column(OPEN_TASK_SQL),
        sqlite_where=literal_column(OPEN_TASK_SQL),
    ),
    # Overdue tasks of a project, counted from the index alone (closed ones are not in it); with
    # `id`, it walks open tasks in a list's due-date order as the index of all of them does.
    Index(
        "ix_tasks_project_id_open_due_at",
        "project_id",
        "due_at",
        "id",
        postgresql_where=literal_column(OPEN_TASK_SQL),
        sqlite_where=literal_column(OPEN_TASK_SQL),
    ),
)

# How many tasks each project has of each status and priority, kept exact by triggers on tasks
# (migration 0006); a key's count is the sum of its slots (each connection adds to its own).
task_counts = Table(
    "task_counts",
    metadata,
    Column(
        "project_id",
        Uuid,
        ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("status", String(16), primary_key=True),
    Column("priority", String(16), primary_key=True),
    Column("slot", SmallInteger, primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# The full-text index: list queries must use the same expression to hit it.
TASK_SEARCH_CONFIG = "english"
task_search_document = func.to_tsvector(
    literal_column(f"'{TASK_SEARCH_CONFIG}'"),
    tasks.c.title + literal_column("' '") + tasks.c.description,
)
Index("ix_tasks_search", task_search_document, postgresql_using="gin").ddl_if(dialect="postgresql")
Index("ix_tasks_labels", tasks.c.labels, postgresql_using="gin").ddl_if(dialect="postgresql")

comments = Table(
    "comments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("body", Text, nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    # When its author last changed it; NULL: never edited.
    _timestamp("edited_at", nullable=True),
    Index(None, "task_id", "created_at", "id"),
)

# Who follows a task beyond its creator and assignee (always watchers unless they opted out):
# commenters, people mentioned, and people who chose to. `watching = false` (reason
# `unwatch`) is an opt-out that wins over every implicit reason until they watch again.
task_watchers = Table(
    "task_watchers",
    metadata,
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("watching", Boolean, nullable=False),
    Column("reason", String(16), nullable=False),
    _timestamp("updated_at"),
    CheckConstraint("reason in ('watch', 'comment', 'mention', 'unwatch')", name="reason"),
    Index(None, "user_id"),
)

# One row per refresh token; a family is one sign-in, rotated token by token.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The access token issued with this refresh token, denylisted when the family ends.
    Column("access_jti", String(64), nullable=False),
    _timestamp("created_at"),
    _timestamp("expires_at"),
    _timestamp("used_at", nullable=True),
    _timestamp("revoked_at", nullable=True),
    Index(None, "family_id"),
    Index(None, "user_id"),
)

# Written in the same transaction as the rows it describes; published by the relay.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("event_type", String(128), nullable=False),
    Column("source", String(255), nullable=False),
    Column("subject", String(255), nullable=True),
    Column("payload", Json, nullable=False),
    Column("headers", Json, nullable=False),
    _timestamp("created_at"),
    _timestamp("published_at", nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Index(
        "ix_outbox_unpublished",
        "id",
        postgresql_where=literal_column("published_at IS NULL"),
        sqlite_where=literal_column("published_at IS NULL"),
    ),
)

# What a person wants beyond the in-app feed; no row means the defaults (no e-mail).
notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("email_enabled", Boolean, nullable=False, server_default=false()),
    # Kinds left out of e-mail: a kind added later is mailed to those who mail at all.
    Column("email_muted_kinds", Json, nullable=False),
    _timestamp("updated_at"),
    # Minutes before due: a reminder of each for every task assigned to this person.
    Column("default_reminders", Json, nullable=False, server_default="[]"),
)

# Signed HTTP callbacks a person registered; the secret signs every delivery to its URL.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("secret", String(100), nullable=False),
    Column("description", String(200), nullable=False, server_default=""),
    _timestamp("created_at"),
    Index(None, "user_id"),
)

# E-mail notices waiting to go out together: what happens to one task for one person within
# TASKFLOW_EMAIL_GROUP_SECONDS is one e-mail. A group is open (notices join it) until a flush
# claims it (closed_at); a claim (claim, claimed_until) lets one flush send it, and a claim
# that lapsed (a flush that died) lets the next; settled_at and outcome say how it ended.
EMAIL_OUTCOME_SQL = "outcome in ('sent', 'rejected', 'skipped', 'abandoned')"
email_groups = Table(
    "email_groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # No foreign keys: a task's deletion is itself news to mail.
    Column("project_id", Uuid, nullable=False),
    Column("task_id", Uuid, nullable=True),
    _timestamp("opened_at"),
    _timestamp("send_after"),
    _timestamp("closed_at", nullable=True),
    Column("claim", Uuid, nullable=True),
    _timestamp("claimed_until", nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    _timestamp("settled_at", nullable=True),
    Column("outcome", String(16), nullable=True),
    CheckConstraint(EMAIL_OUTCOME_SQL, name="outcome"),
    # One open group per person and task (NULL tasks, a member added, are each their own).
    Index(
        "ux_email_groups_open",
        "user_id",
        "task_id",
        unique=True,
        postgresql_where=literal_column("closed_at IS NULL"),
        sqlite_where=literal_column("closed_at IS NULL"),
    ),
    # What a flush looks for: unsettled groups by when they are due.
    Index(
        "ix_email_groups_due",
        "send_after",
        postgresql_where=literal_column("settled_at IS NULL"),
        sqlite_where=literal_column("settled_at IS NULL"),
    ),
    Index(None, "user_id"),
)

# One notice of a group, in the words every channel uses; at most one per event and person.
email_notices = Table(
    "email_notices",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("group_id", Uuid, ForeignKey("email_groups.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("event_source", String(255), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
    # The task's title then (the subject names the task).
    Column("task_title", String(200), nullable=True),
    # Markdown the mail shows under the line: a comment's text, a task's description.
    Column("detail", Text, nullable=True),
    _timestamp("occurred_at"),
    UniqueConstraint("event_source", "event_id", "user_id"),
    Index(None, "group_id", "id"),
)

# The kinds of entry in a task's history (models.activity.ActivityKind), one per event type.
ACTIVITY_KIND_SQL = (
    "kind in ('created', 'updated', 'status_changed', 'assigned', 'deleted', "
    "'comment_added', 'comment_edited', 'comment_deleted')"
)

# A task's history, one row per event. No foreign key to the task: the history outlives it
# (and the outbox rows it came from); it goes with its project.
task_activity = Table(
    "task_activity",
    metadata,
    Column("id", Uuid, primary_key=True),
    # The CloudEvent's (source, id): a redelivered event finds its row and adds nothing.
    Column("event_source", String(255), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("project_id", Uuid, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", Uuid, nullable=False),
    # The title at that moment: a history reads as it happened, and after the task is gone.
    Column("task_title", String(200), nullable=False),
    Column("actor_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(32), nullable=False),
    # [{"field": ..., "before": ..., "after": ...}, ...]
    Column("changes", Json, nullable=False),
    Column("comment_id", Uuid, nullable=True),
    Column("excerpt", String(200), nullable=True),
    _timestamp("occurred_at"),
    UniqueConstraint("event_source", "event_id"),
    CheckConstraint(ACTIVITY_KIND_SQL, name="kind"),
    # Newest first, paged on (occurred_at, id): both lists walk these backwards.
    Index(None, "task_id", "occurred_at", "id"),
    Index(None, "project_id", "occurred_at", "id"),
)

# Links between tasks the person can read: `task_id blocks related_id`, `relates_to` (both
# ways), `task_id duplicates related_id`. One relation per pair, whichever way it was made.
RELATION_KIND_SQL = "kind in ('blocks', 'relates_to', 'duplicates')"
task_relations = Table(
    "task_relations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("related_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("creator_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    _timestamp("created_at"),
    CheckConstraint(RELATION_KIND_SQL, name="kind"),
    CheckConstraint("task_id <> related_id", name="not_itself"),
    UniqueConstraint("task_id", "related_id"),
    Index(None, "related_id"),
)

# Files on tasks. The bytes are in S3 (the embedded mode: the data directory) under
# `object_key`, which starts with the project's and the task's ids, so deleting either can
# delete its objects by prefix. `pending` until the upload is confirmed (complete).
ATTACHMENT_STATUS_SQL = "status in ('pending', 'complete')"
attachments = Table(
    "attachments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", Uuid, nullable=False),
    Column("uploader_id", Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("object_key", String(1024), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    _timestamp("created_at"),
    _timestamp("completed_at", nullable=True),
    CheckConstraint(ATTACHMENT_STATUS_SQL, name="status"),
    Index(None, "task_id", "created_at", "id"),
    # What the sweep of abandoned uploads reads.
    Index(
        "ix_attachments_pending",
        "created_at",
        postgresql_where=literal_column("status = 'pending'"),
        sqlite_where=literal_column("status = 'pending'"),
    ),
)

# One person's reminder on a task: at an instant (remind_at), or offset_minutes before its due
# date. fire_at is when it fires (NULL: a relative reminder on a task with no due date);
# fired_at is set when it has, and cleared when fire_at moves.
reminders = Table(
    "reminders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _timestamp("remind_at", nullable=True),
    Column("offset_minutes", Integer, nullable=True),
    _timestamp("fire_at", nullable=True),
    _timestamp("fired_at", nullable=True),
    _timestamp("created_at"),
    CheckConstraint("(remind_at IS NULL) <> (offset_minutes IS NULL)", name="one_when"),
    Index(None, "task_id", "user_id"),
    Index(None, "user_id"),
    # What the sweep claims: reminders not yet fired, by when they fire.
    Index(
        "ix_reminders_due",
        "fire_at",
        "id",
        postgresql_where=literal_column("fired_at IS NULL"),
        sqlite_where=literal_column("fired_at IS NULL"),
    ),
)

# Private iCalendar feeds: the URL carries `secret`, of which only its SHA-256 is kept.
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    _timestamp("created_at"),
    _timestamp("last_used_at", nullable=True),
    Index(None, "user_id"),
)

# A person's personal access tokens (scripts, event producers): only the SHA-256 of the whole
# token is kept; a revoked one keeps its row with revoked_at set.
personal_access_tokens = Table(
    "personal_access_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", Json, nullable=False),
    _timestamp("created_at"),
    _timestamp("last_used_at", nullable=True),
    _timestamp("expires_at", nullable=True),
    _timestamp("revoked_at", nullable=True),
    Index(None, "user_id"),
)

ACCOUNT_TOKEN_PURPOSES_SQL = "purpose in ('password_reset', 'email_verification')"

# Single-use links mailed to a person: a password reset, or the verification of an address.
# Only the SHA-256 of the secret is kept; `email` is the address the link went to (a
# verification counts only while it is still the account's address).
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(24), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    _timestamp("created_at"),
    _timestamp("expires_at"),
    _timestamp("used_at", nullable=True),
    CheckConstraint(ACCOUNT_TOKEN_PURPOSES_SQL, name="purpose"),
    Index(None, "user_id", "purpose"),
)

IMPORT_SOURCES_SQL = "source in ('todoist', 'trello', 'taskflow')"
IMPORT_STATUSES_SQL = "status in ('queued', 'running', 'done', 'failed')"

# A file imported into a new project: its parsed plan, run by the `run_import` event function.
# One per person and file (SHA-256 of its bytes): sending the same file again answers the
# same import.
project_imports = Table(
    "project_imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    # The project's name, and what to create in it (functions.core.imports.plan.Plan).
    Column("name", String(100), nullable=False),
    Column("plan", Json, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False, server_default="0"),
    Column("project_id", Uuid, ForeignKey("projects.id", ondelete="SET NULL"), nullable=True),
    Column("error", Text, nullable=True),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    _timestamp("finished_at", nullable=True),
    CheckConstraint(IMPORT_SOURCES_SQL, name="source"),
    CheckConstraint(IMPORT_STATUSES_SQL, name="status"),
    UniqueConstraint("user_id", "file_sha256"),
    Index(None, "project_id"),
)

IMPORT_OUTCOMES_SQL = "outcome in ('created', 'failed')"

# What became of each item (a task, with its comments) of an import, in the file's order.
project_import_items = Table(
    "project_import_items",
    metadata,
    Column(
        "import_id",
        Uuid,
        ForeignKey("project_imports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, primary_key=True),
    # Where it is in the file: "line 12", "card 5f0c..." .
    Column("ref", String(200), nullable=False),
    Column("title", String(200), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("task_id", Uuid, ForeignKey("tasks.id", ondelete="SET NULL"), nullable=True),
    Column("message", Text, nullable=True),
    CheckConstraint(IMPORT_OUTCOMES_SQL, name="outcome"),
    Index(None, "task_id"),
)
