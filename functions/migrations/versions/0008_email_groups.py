"""email groups: e-mail notices wait a moment and go out together, one e-mail per person and
task

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00.000000

- email_groups: what happens to one task for one person within TASKFLOW_EMAIL_GROUP_SECONDS,
  open until a flush claims it, then sent once (claimed with FOR UPDATE SKIP LOCKED).
- email_notices: each notice of a group, at most one per event and person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME = "outcome in ('sent', 'rejected', 'skipped', 'abandoned')"


def upgrade() -> None:
    op.create_table(
        "email_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.Uuid(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint(OUTCOME, name=op.f("ck_email_groups_outcome")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_groups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_groups")),
    )
    op.create_index(
        "ux_email_groups_open",
        "email_groups",
        ["user_id", "task_id"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
        sqlite_where=sa.text("closed_at IS NULL"),
    )
    op.create_index(
        "ix_email_groups_due",
        "email_groups",
        ["send_after"],
        unique=False,
        postgresql_where=sa.text("settled_at IS NULL"),
        sqlite_where=sa.text("settled_at IS NULL"),
    )
    op.create_index(op.f("ix_email_groups_user_id"), "email_groups", ["user_id"])
    op.create_table(
        "email_notices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_source", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("task_title", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["email_groups.id"],
            name=op.f("fk_email_notices_group_id_email_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_notices")),
        sa.UniqueConstraint(
            "event_source",
            "event_id",
            "user_id",
            name=op.f("uq_email_notices_event_source_event_id_user_id"),
        ),
    )
    op.create_index(op.f("ix_email_notices_group_id_id"), "email_notices", ["group_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_email_notices_group_id_id"), table_name="email_notices")
    op.drop_table("email_notices")
    op.drop_index(op.f("ix_email_groups_user_id"), table_name="email_groups")
    op.drop_index("ix_email_groups_due", table_name="email_groups")
    op.drop_index("ux_email_groups_open", table_name="email_groups")
    op.drop_table("email_groups")
