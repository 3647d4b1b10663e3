"""Alembic environment: the URL comes from the caller (interviewer.storage.engine.migrate) or
INTERVIEWER_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool, text
from sqlmodel import SQLModel

import interviewer.storage.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from interviewer.settings import Settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings().db_url
target_metadata = SQLModel.metadata


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    section = config.get_section(config.config_ini_section) or {}
    section["sqlalchemy.url"] = url
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas start together: one migrates, the others wait and then find nothing to do.
                connection.execute(text("SELECT pg_advisory_xact_lock(7234001)"))
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
