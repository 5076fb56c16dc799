"""The quick look at a database's revision that lets a start skip Alembic when nothing is due."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from functions.core import migrate


def test_the_newest_migration_file_is_alembics_one_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert script.get_heads() == [migrate.newest_revision()]


def test_a_database_is_current_only_once_migrated_to_the_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'taskflow.db'}"
    assert not migrate.is_current(url), "no tables yet"
    migrate.upgrade(url, "0001")
    assert not migrate.is_current(url), "an older revision"
    migrate.upgrade(url)
    assert migrate.is_current(url)


def test_the_migrated_postgresql_database_is_current(postgres_url: str) -> None:
    assert migrate.is_current(postgres_url)


def test_a_database_that_cannot_be_reached_is_not_current() -> None:
    assert not migrate.is_current("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
