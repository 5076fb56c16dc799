"""account links, e-mail verification and project imports

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:40:00.000000

- users.email_verified_at: notification e-mails go only to verified addresses. Accounts that
  exist before this migration keep receiving them (verified as of their creation); new and
  changed addresses are verified by a mailed link.
- account_tokens: single-use, expiring links mailed to a person (password reset, address
  verification), each kept only as the SHA-256 of its secret.
- project_imports and project_import_items: a Todoist, Trello or TaskFlow file imported into
  a new project by a background job, with its progress and each item's outcome.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose in ('password_reset', 'email_verification')",
            name=op.f("ck_account_tokens_purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_account_tokens_user_id_purpose"), "account_tokens", ["user_id", "purpose"]
    )

    op.create_table(
        "project_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "plan",
            sa.JSON().with_variant(JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source in ('todoist', 'trello', 'taskflow')", name=op.f("ck_project_imports_source")
        ),
        sa.CheckConstraint(
            "status in ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_project_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_project_imports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_imports_project_id_projects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_imports")),
        sa.UniqueConstraint(
            "user_id", "file_sha256", name=op.f("uq_project_imports_user_id_file_sha256")
        ),
    )
    op.create_index(op.f("ix_project_imports_project_id"), "project_imports", ["project_id"])

    op.create_table(
        "project_import_items",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome in ('created', 'failed')", name=op.f("ck_project_import_items_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["project_imports.id"],
            name=op.f("fk_project_import_items_import_id_project_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_project_import_items_task_id_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("import_id", "position", name=op.f("pk_project_import_items")),
    )
    op.create_index(op.f("ix_project_import_items_task_id"), "project_import_items", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_project_import_items_task_id"), table_name="project_import_items")
    op.drop_table("project_import_items")
    op.drop_index(op.f("ix_project_imports_project_id"), table_name="project_imports")
    op.drop_table("project_imports")
    op.drop_index(op.f("ix_account_tokens_user_id_purpose"), table_name="account_tokens")
    op.drop_table("account_tokens")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
