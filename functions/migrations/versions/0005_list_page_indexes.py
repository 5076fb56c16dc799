"""list page indexes: per-project walks by priority, by status, and of someone's tasks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 09:00:00.000000

Plain CREATE INDEX, not CONCURRENTLY: Alembic runs migrations inside a transaction, where
PostgreSQL refuses CONCURRENTLY. Each build holds a SHARE lock on tasks (reads go on, writes
wait) while it runs: a few seconds per index at a million tasks. Where that pause is too long,
build the same indexes by hand first with CREATE INDEX CONCURRENTLY (IF NOT EXISTS then makes
this migration skip them), and run it after.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_INDEXES = (
    ("ix_tasks_project_id_priority_id", "project_id, priority, id"),
    ("ix_tasks_project_id_status_created_at_id", "project_id, status, created_at, id"),
    ("ix_tasks_assignee_id_project_id_created_at_id", "assignee_id, project_id, created_at, id"),
)


def upgrade() -> None:
    for name, columns in NEW_INDEXES:
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tasks ({columns})")
    # The last one leads with assignee_id: it serves the foreign key's lookups too.
    op.execute("DROP INDEX IF EXISTS ix_tasks_assignee_id")


def downgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_tasks_assignee_id ON tasks (assignee_id)")
    for name, _ in reversed(NEW_INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
