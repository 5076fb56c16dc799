"""daily use: watchers, per-project new-task subscriptions, all-day due dates, edited comments,
each person's time zone

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00.000000

- task_watchers: who follows a task beyond its creator and assignee (commenters, people
  mentioned, people who chose to), and who chose not to (watching = false overrides all).
- project_members.notify_new_tasks: a member who asked to hear of every new task there.
- tasks.due_date: set for an all-day task, whose due_at is the end of that day in the time
  zone of whoever set it.
- comments.edited_at: when its author last changed a comment.
- users.time_zone: an IANA name the notices and e-mails use; NULL until the person picks one
  (the web app offers the browser's).
- task_activity's kinds gain comment_edited.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "kind in ('created', 'updated', 'status_changed', 'assigned', 'deleted', "
    "'comment_added', 'comment_deleted')"
)
NEW_KINDS = (
    "kind in ('created', 'updated', 'status_changed', 'assigned', 'deleted', "
    "'comment_added', 'comment_edited', 'comment_deleted')"
)
REASONS = "reason in ('watch', 'comment', 'mention', 'unwatch')"


def upgrade() -> None:
    op.create_table(
        "task_watchers",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("watching", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(REASONS, name=op.f("ck_task_watchers_reason")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_watchers_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_watchers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "user_id", name=op.f("pk_task_watchers")),
    )
    op.create_index(op.f("ix_task_watchers_user_id"), "task_watchers", ["user_id"])
    with op.batch_alter_table("project_members") as batch:
        batch.add_column(
            sa.Column("notify_new_tasks", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("task_activity") as batch:
        batch.drop_constraint(op.f("ck_task_activity_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_task_activity_kind"), sa.text(NEW_KINDS))


def downgrade() -> None:
    op.execute("DELETE FROM task_activity WHERE kind = 'comment_edited'")
    with op.batch_alter_table("task_activity") as batch:
        batch.drop_constraint(op.f("ck_task_activity_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_task_activity_kind"), sa.text(OLD_KINDS))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("edited_at")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("due_date")
    with op.batch_alter_table("project_members") as batch:
        batch.drop_column("notify_new_tasks")
    op.drop_index(op.f("ix_task_watchers_user_id"), table_name="task_watchers")
    op.drop_table("task_watchers")
