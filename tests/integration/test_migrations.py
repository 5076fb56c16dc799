"""The migrations build exactly the schema the code describes, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from functions.core import migrate
from functions.core.database import sync_url
from functions.core.queries.tasks import CLOSED
from functions.core.tables import OPEN_TASK_SQL, metadata

# Alembic cannot compare expression indexes; the test below checks this one exists.
EXPRESSION_INDEXES = {"ix_tasks_search"}
DUE_INDEX = "ix_tasks_open_due"


def _compared(obj: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    return not (kind == "index" and name in EXPRESSION_INDEXES)


def _inline_sqlite_key(difference: Any) -> bool:
    """SQLite's tasks.parent_id key is declared inline (its table is never copied, which would
    drop its triggers); SQLAlchemy reflects no name or ON DELETE for an inline key, so the
    two sides differ in those alone. test_sqlite_subtasks_go_with_their_parent checks it."""
    if not isinstance(difference, tuple) or difference[0] not in {"add_fk", "remove_fk"}:
        return False
    constraint = difference[1]
    return constraint.table.name == "tasks" and [c.name for c in constraint.columns] == [
        "parent_id"
    ]


def _schema_differences(url: str) -> list[Any]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _compared}
            )
            differences = list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
    if url.startswith("sqlite"):
        differences = [d for d in differences if not _inline_sqlite_key(d)]
    return differences


def test_the_migrated_postgresql_schema_matches_the_tables(postgres_url: str) -> None:
    assert _schema_differences(postgres_url) == []


def test_the_migrated_sqlite_schema_matches_the_tables(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
    migrate.upgrade(url)
    assert _schema_differences(url) == []


def test_postgresql_has_the_full_text_and_label_indexes(postgres_url: str) -> None:
    engine = create_engine(sync_url(postgres_url))
    try:
        names = {index["name"] for index in inspect(engine).get_indexes("tasks")}
    finally:
        engine.dispose()
    assert {"ix_tasks_search", "ix_tasks_labels"} <= names


def test_the_due_soon_index_covers_only_open_tasks_on_both_databases(
    postgres_url: str, tmp_path: Path
) -> None:
    # Alembic compares an index's columns, not its WHERE: check the predicate here.
    assert "status NOT IN ({})".format(", ".join(f"'{s}'" for s in CLOSED)) == OPEN_TASK_SQL
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
    migrate.upgrade(sqlite_url)
    predicates = {}
    for url in (postgres_url, sqlite_url):
        engine = create_engine(sync_url(url))
        try:
            [index] = [i for i in inspect(engine).get_indexes("tasks") if i["name"] == DUE_INDEX]
        finally:
            engine.dispose()
        assert index["column_names"] == ["due_at", "id"]
        options = index.get("dialect_options", {})
        predicates.update({k: str(v) for k, v in options.items() if k.endswith("_where")})
    assert predicates["sqlite_where"] == OPEN_TASK_SQL
    assert predicates["postgresql_where"] == (
        "((status)::text <> ALL ((ARRAY['done'::character varying, "
        "'cancelled'::character varying])::text[]))"
    )


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    assert _schema_differences(url) == []


def test_sqlite_subtasks_go_with_their_parent(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
    migrate.upgrade(url)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            keys = conn.exec_driver_sql("PRAGMA foreign_key_list(tasks)").mappings().all()
    finally:
        engine.dispose()
    [parent] = [key for key in keys if key["from"] == "parent_id"]
    assert (parent["table"], parent["to"], parent["on_delete"]) == ("tasks", "id", "CASCADE")
