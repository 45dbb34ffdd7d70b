"""Alembic environment: runs against a connection handed in by store.db.migrate, or a URL."""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

from store.models import Base, include_in_autogenerate

config = context.config
if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from store.db import database_url

    return database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      include_object=include_in_autogenerate,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_in_autogenerate)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    with engine.connect() as own:
        context.configure(connection=own, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_in_autogenerate)
        with context.begin_transaction():
            context.run_migrations()
        own.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
