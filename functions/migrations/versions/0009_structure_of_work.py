"""structure of work: subtasks and relations, attachments, recurring tasks, reminders,
calendar feeds

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 12:00:00.000000

- tasks.parent_id: a subtask's parent, in the same project; deleting a parent deletes its
  subtasks (ON DELETE CASCADE).
- tasks.subtask_count / subtasks_done: a task's subtasks that are not cancelled, and those
  done, kept exact by triggers on tasks (as task_counts is, migration 0006), so reading a
  task or a page of them counts nothing.
- tasks.recurrence / recurrence_basis / next_occurrence_id: an RFC 5545 RRULE, whether it
  repeats from the due date or from completion, and the occurrence its completion created
  (set once: a second completion creates no second one).
- task_relations: blocks, relates to, duplicates, between tasks (one relation per pair).
- attachments: files on tasks, stored in S3 (or the embedded mode's data directory) under
  a key per project and task; a row is pending until its upload is confirmed.
- reminders: one person's reminder on a task, at an instant or some minutes before the due
  date; fire_at is when it fires next, fired_at when it did.
- notification_preferences.default_reminders: minutes before due, added for the tasks
  assigned to that person.
- calendar_feeds: private iCalendar feeds, each reached by a secret kept only as a hash.
"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASIS = "recurrence_basis in ('due', 'completion')"
RELATION_KINDS = "kind in ('blocks', 'relates_to', 'duplicates')"
ATTACHMENT_STATES = "status in ('pending', 'complete')"
ONE_WHEN = "(remind_at IS NULL) <> (offset_minutes IS NULL)"

# A subtask counts toward its parent unless cancelled; done ones count as done too.
_PG_SUBTASKS_SQL = """
IF pg_trigger_depth() > 1 THEN
    -- The parents' own update below, or a cascade: nothing of a parent's changes there.
    RETURN NULL;
END IF;
UPDATE tasks AS t
SET subtask_count = t.subtask_count + d.total, subtasks_done = t.subtasks_done + d.done
FROM (
    SELECT parent_id, sum(total) AS total, sum(done) AS done
    FROM (
        SELECT parent_id, (status <> 'cancelled')::int AS total, (status = 'done')::int AS done
        FROM {added} WHERE parent_id IS NOT NULL
        UNION ALL
        SELECT parent_id, -(status <> 'cancelled')::int, -(status = 'done')::int
        FROM {removed} WHERE parent_id IS NOT NULL
    ) AS x
    GROUP BY parent_id
    HAVING sum(total) <> 0 OR sum(done) <> 0
) AS d
WHERE t.id = d.parent_id;
RETURN NULL;
"""
_NONE = "(SELECT parent_id, status FROM tasks WHERE false) AS none"
_POSTGRESQL_FUNCTIONS = {
    "task_subtasks_inserted": _PG_SUBTASKS_SQL.format(added="added", removed=_NONE),
    "task_subtasks_updated": _PG_SUBTASKS_SQL.format(added="added", removed="removed"),
    "task_subtasks_deleted": _PG_SUBTASKS_SQL.format(added=_NONE, removed="removed"),
}
_POSTGRESQL_TRIGGERS = (
    ("task_subtasks_inserted", "AFTER INSERT", "NEW TABLE AS added"),
    ("task_subtasks_updated", "AFTER UPDATE", "OLD TABLE AS removed NEW TABLE AS added"),
    ("task_subtasks_deleted", "AFTER DELETE", "OLD TABLE AS removed"),
)

_SQLITE_ADD = """
UPDATE tasks SET subtask_count = subtask_count + (NEW.status <> 'cancelled'),
    subtasks_done = subtasks_done + (NEW.status = 'done')
WHERE id = NEW.parent_id;
"""
_SQLITE_REMOVE = """
UPDATE tasks SET subtask_count = subtask_count - (OLD.status <> 'cancelled'),
    subtasks_done = subtasks_done - (OLD.status = 'done')
WHERE id = OLD.parent_id;
"""
_SQLITE_TRIGGERS = {
    "task_subtasks_inserted": ("AFTER INSERT ON tasks", _SQLITE_ADD),
    "task_subtasks_updated": (
        "AFTER UPDATE OF parent_id, status ON tasks",
        _SQLITE_REMOVE + _SQLITE_ADD,
    ),
    "task_subtasks_deleted": ("AFTER DELETE ON tasks", _SQLITE_REMOVE),
}


def _task_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("subtask_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("subtasks_done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recurrence", sa.String(length=500), nullable=True),
        sa.Column("recurrence_basis", sa.String(length=16), nullable=True),
        sa.Column("next_occurrence_id", sa.Uuid(), nullable=True),
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        for column in _task_columns():
            op.add_column("tasks", column)
        op.create_foreign_key(
            op.f("fk_tasks_parent_id_tasks"),
            "tasks",
            "tasks",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
        op.create_check_constraint(op.f("ck_tasks_recurrence_basis"), "tasks", sa.text(BASIS))
    else:
        # SQLite adds a constraint to a table only by copying it, which would drop its
        # triggers: the columns are added in place, with their constraints inline.
        inline = {
            "parent_id": "CONSTRAINT fk_tasks_parent_id_tasks "
            "REFERENCES tasks (id) ON DELETE CASCADE",
            "recurrence_basis": f"CONSTRAINT ck_tasks_recurrence_basis CHECK ({BASIS})",
        }
        dialect = op.get_bind().dialect
        for column in _task_columns():
            kind = column.type.compile(dialect=dialect)
            default = " DEFAULT 0" if column.server_default is not None else ""
            null = "" if column.nullable else " NOT NULL"
            op.execute(
                f"ALTER TABLE tasks ADD COLUMN {column.name} {kind}{null}{default} "
                + inline.get(column.name, "")
            )
    op.create_index(
        op.f("ix_tasks_parent_id_created_at_id"), "tasks", ["parent_id", "created_at", "id"]
    )

    op.create_table(
        "task_relations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("related_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("creator_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(RELATION_KINDS, name=op.f("ck_task_relations_kind")),
        sa.CheckConstraint("task_id <> related_id", name=op.f("ck_task_relations_not_itself")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_relations_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["tasks.id"],
            name=op.f("fk_task_relations_related_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["users.id"],
            name=op.f("fk_task_relations_creator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_relations")),
        sa.UniqueConstraint(
            "task_id", "related_id", name=op.f("uq_task_relations_task_id_related_id")
        ),
    )
    op.create_index(op.f("ix_task_relations_related_id"), "task_relations", ["related_id"])

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("object_key", sa.String(length=1024), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(ATTACHMENT_STATES, name=op.f("ck_attachments_status")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_attachments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["users.id"],
            name=op.f("fk_attachments_uploader_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("object_key", name=op.f("uq_attachments_object_key")),
    )
    op.create_index(
        op.f("ix_attachments_task_id_created_at_id"), "attachments", ["task_id", "created_at", "id"]
    )
    op.create_index(
        "ix_attachments_pending",
        "attachments",
        ["created_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )

    op.create_table(
        "reminders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offset_minutes", sa.Integer(), nullable=True),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_WHEN, name=op.f("ck_reminders_one_when")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_reminders_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reminders_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index(op.f("ix_reminders_task_id_user_id"), "reminders", ["task_id", "user_id"])
    op.create_index(op.f("ix_reminders_user_id"), "reminders", ["user_id"])
    op.create_index(
        "ix_reminders_due",
        "reminders",
        ["fire_at", "id"],
        postgresql_where=sa.text("fired_at IS NULL"),
        sqlite_where=sa.text("fired_at IS NULL"),
    )
    with op.batch_alter_table("notification_preferences") as batch:
        batch.add_column(
            sa.Column(
                "default_reminders",
                sa.JSON().with_variant(JSONB(astext_type=sa.Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feeds_secret_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_user_id"), "calendar_feeds", ["user_id"])

    if postgresql:
        _postgresql_triggers()
    else:
        for name, (event, body) in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body} END")


def _postgresql_triggers() -> None:
    for name, body in _POSTGRESQL_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\nEND\n$$"
        )
    for name, event, tables in _POSTGRESQL_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} {event} ON tasks REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON tasks" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index(op.f("ix_calendar_feeds_user_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("notification_preferences") as batch:
        batch.drop_column("default_reminders")
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_index(op.f("ix_reminders_user_id"), table_name="reminders")
    op.drop_index(op.f("ix_reminders_task_id_user_id"), table_name="reminders")
    op.drop_table("reminders")
    op.drop_index("ix_attachments_pending", table_name="attachments")
    op.drop_index(op.f("ix_attachments_task_id_created_at_id"), table_name="attachments")
    op.drop_table("attachments")
    op.drop_index(op.f("ix_task_relations_related_id"), table_name="task_relations")
    op.drop_table("task_relations")
    op.drop_index(op.f("ix_tasks_parent_id_created_at_id"), table_name="tasks")
    if postgresql:
        op.drop_constraint(op.f("ck_tasks_recurrence_basis"), "tasks", type_="check")
        op.drop_constraint(op.f("fk_tasks_parent_id_tasks"), "tasks", type_="foreignkey")
        for column in reversed(_task_columns()):
            op.drop_column("tasks", column.name)
        return
    # SQLite drops a column in a foreign key only by copying the table, which drops its
    # triggers: the task counts' (migration 0006) are made again.
    with op.batch_alter_table("tasks", recreate="always") as batch:
        # The copy would keep the inline check of a column it no longer has.
        batch.drop_constraint(op.f("ck_tasks_recurrence_basis"), type_="check")
        for column in reversed(_task_columns()):
            batch.drop_column(column.name)
    task_counts = importlib.import_module("functions.migrations.versions.0006_task_counts")
    for name, (event, body) in task_counts._SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body} END")
