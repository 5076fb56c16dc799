"""task counts: tasks per (project, status, priority), kept by triggers, so counts do not scan

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:00:00.000000

Every write to tasks, whoever makes it (the services, a cascade from a deleted project, a
bulk INSERT ... SELECT), adds its difference to task_counts in the same transaction, so the
counts are exact wherever tasks are. On PostgreSQL the triggers run once per statement over
its transition tables, applying the differences in key order (two statements never take the
same rows' locks in opposite orders), and each connection adds to its own `slot` of a key
(its backend pid modulo SLOTS), so concurrent creates in one project do not queue on one row
until the other commits; a read sums the slots. SQLite has only row triggers, and one writer.

Overdue tasks depend on the clock, not on writes: they are counted through the partial index
of open tasks by (project_id, due_at, id), which reads the overdue tasks only (and serves
lists of open tasks by due date as the index of every task by (project_id, due_at, id) does).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 8
OPEN_TASK = "status NOT IN ('done', 'cancelled')"

# Added to the counts of the rows a statement inserted, less those it deleted (an UPDATE is
# both). A key of a deleted project is skipped: its counts went with it (ON DELETE CASCADE).
_APPLY_SQL = f"""
INSERT INTO task_counts AS c (project_id, status, priority, slot, n)
SELECT d.project_id, d.status, d.priority, pg_backend_pid() % {SLOTS}, sum(d.n)
FROM (
    SELECT project_id, status, priority, 1 AS n FROM {{added}}
    UNION ALL
    SELECT project_id, status, priority, -1 AS n FROM {{removed}}
) AS d
WHERE EXISTS (SELECT 1 FROM projects AS p WHERE p.id = d.project_id)
GROUP BY d.project_id, d.status, d.priority
HAVING sum(d.n) <> 0
ORDER BY d.project_id, d.status, d.priority
ON CONFLICT (project_id, status, priority, slot) DO UPDATE SET n = c.n + excluded.n
"""  # noqa: S608 (constants only)
# An empty stand-in for the transition table a statement does not have.
_NONE = "(SELECT project_id, status, priority FROM tasks WHERE false) AS none"

_POSTGRESQL_FUNCTIONS = {
    "task_counts_inserted": _APPLY_SQL.format(added="added", removed=_NONE),
    "task_counts_updated": _APPLY_SQL.format(added="added", removed="removed"),
    "task_counts_deleted": _APPLY_SQL.format(added=_NONE, removed="removed"),
}
_POSTGRESQL_TRIGGERS = (
    ("task_counts_inserted", "AFTER INSERT", "NEW TABLE AS added"),
    ("task_counts_updated", "AFTER UPDATE", "OLD TABLE AS removed NEW TABLE AS added"),
    ("task_counts_deleted", "AFTER DELETE", "OLD TABLE AS removed"),
)

_SQLITE_ADD = """
INSERT INTO task_counts (project_id, status, priority, slot, n)
VALUES (NEW.project_id, NEW.status, NEW.priority, 0, 1)
ON CONFLICT (project_id, status, priority, slot) DO UPDATE SET n = n + 1;
"""
_SQLITE_REMOVE = """
UPDATE task_counts SET n = n - 1
WHERE project_id = OLD.project_id AND status = OLD.status AND priority = OLD.priority
  AND slot = 0;
"""
_SQLITE_TRIGGERS = {
    "task_counts_inserted": ("AFTER INSERT ON tasks", _SQLITE_ADD),
    "task_counts_updated": (
        "AFTER UPDATE OF project_id, status, priority ON tasks",
        _SQLITE_REMOVE + _SQLITE_ADD,
    ),
    "task_counts_deleted": ("AFTER DELETE ON tasks", _SQLITE_REMOVE),
}


def upgrade() -> None:
    op.create_table(
        "task_counts",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "status", "priority", "slot"),
    )
    op.create_index(
        "ix_tasks_project_id_open_due_at",
        "tasks",
        ["project_id", "due_at", "id"],
        postgresql_where=sa.text(OPEN_TASK),
        sqlite_where=sa.text(OPEN_TASK),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _postgresql_upgrade() -> None:
    # No write may land between the counting below and the triggers: hold writers off.
    op.execute("LOCK TABLE tasks IN SHARE MODE")
    for name, body in _POSTGRESQL_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\nRETURN NULL;\nEND\n$$"
        )
    for name, event, tables in _POSTGRESQL_TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} {event} ON tasks REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # TRUNCATE fires no DELETE trigger.
    op.execute(
        "CREATE FUNCTION task_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\nDELETE FROM task_counts;\nRETURN NULL;\nEND\n$$"
    )
    op.execute(
        "CREATE TRIGGER task_counts_truncated AFTER TRUNCATE ON tasks "
        "FOR EACH STATEMENT EXECUTE FUNCTION task_counts_truncated()"
    )
    _count_existing_tasks()


def _sqlite_upgrade() -> None:
    for name, (event, body) in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body} END")
    _count_existing_tasks()


def _count_existing_tasks() -> None:
    op.execute(
        "INSERT INTO task_counts (project_id, status, priority, slot, n) "
        "SELECT project_id, status, priority, 0, count(*) FROM tasks "
        "GROUP BY project_id, status, priority"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in (*_SQLITE_TRIGGERS, *(["task_counts_truncated"] if postgresql else [])):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON tasks" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index(
        "ix_tasks_project_id_open_due_at",
        table_name="tasks",
        postgresql_where=sa.text(OPEN_TASK),
        sqlite_where=sa.text(OPEN_TASK),
    )
    op.drop_table("task_counts")
