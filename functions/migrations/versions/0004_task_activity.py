"""task activity: each task's history, one row per event

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = (
    "kind in ('created', 'updated', 'status_changed', 'assigned', 'deleted', "
    "'comment_added', 'comment_deleted')"
)


def upgrade() -> None:
    op.create_table(
        "task_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_source", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("task_title", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("comment_id", sa.Uuid(), nullable=True),
        sa.Column("excerpt", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KIND, name=op.f("ck_task_activity_kind")),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_task_activity_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_activity_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_activity")),
        sa.UniqueConstraint(
            "event_source", "event_id", name=op.f("uq_task_activity_event_source_event_id")
        ),
    )
    op.create_index(
        op.f("ix_task_activity_task_id_occurred_at_id"),
        "task_activity",
        ["task_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_task_activity_project_id_occurred_at_id"),
        "task_activity",
        ["project_id", "occurred_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_task_activity_project_id_occurred_at_id"), table_name="task_activity")
    op.drop_index(op.f("ix_task_activity_task_id_occurred_at_id"), table_name="task_activity")
    op.drop_table("task_activity")
