"""Bringing a database to the current schema with Alembic."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from functions.core.database import prepare_sqlite_folder, sync_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# A migration's file is named after its revision: versions/0004_task_activity.py is "0004".
_REVISION_FILE = re.compile(r"(\d{4})_\w+\.py")


def newest_revision() -> str:
    """The head revision, from the migrations' file names (tests hold Alembic to the same)."""
    found = (_REVISION_FILE.fullmatch(path.name) for path in (MIGRATIONS / "versions").iterdir())
    return max(match.group(1) for match in found if match)


def is_current(database_url: str) -> bool:
    """Whether the database already stands at the newest revision, asked with one query.

    Alembic imports every migration to find that out: most of a second of each start of
    `taskflow dev` or `taskflow cluster` on a database that needed nothing.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return list(versions) == [newest_revision()]
    except SQLAlchemyError:  # no database, or no alembic_version table yet
        return False
    finally:
        engine.dispose()


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    prepare_sqlite_folder(database_url)
    if revision == "head" and is_current(database_url):
        return
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)
