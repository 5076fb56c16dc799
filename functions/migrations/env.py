"""Alembic environment: migrations run synchronously with the URL TaskFlow is configured for."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from functions.core.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: run migrations with `taskflow migrate`")

connectable = create_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
