"""due-soon index: open tasks by (due_at, id)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_TASK = "status NOT IN ('done', 'cancelled')"


def upgrade() -> None:
    op.create_index(
        "ix_tasks_open_due",
        "tasks",
        ["due_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN_TASK),
        sqlite_where=sa.text(OPEN_TASK),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_tasks_open_due",
        table_name="tasks",
        postgresql_where=sa.text(OPEN_TASK),
        sqlite_where=sa.text(OPEN_TASK),
    )
