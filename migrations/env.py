"""Alembic environment: every migration runs on the tracker's own engine, in one transaction.

`tracker init` (tracker.db.engine.upgrade_to_head) passes its engine in `config.attributes`.
From the alembic command line (`alembic -c alembic.ini ...`) the database is `-x db=URL`, else
`TRACKER_DB`, else `sqlite:///tracker.db`, exactly as for `tracker --db`.

Migrations are rendered in batch mode on every backend, so one generated against PostgreSQL
still runs on SQLite (which can only ALTER a table by copying it). Column types are rendered
as the plain SQLAlchemy types SQLModel stores them as, so a migration never depends on how a
later sqlmodel names its types.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine, TypeDecorator
from sqlmodel import SQLModel

import tracker.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from tracker.db.engine import database_url, make_engine, migration_connection

config = context.config
target_metadata = SQLModel.metadata

if config.config_file_name is not None and "engine" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    return database_url(context.get_x_argument(as_dictionary=True).get("db"))


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    return engine if isinstance(engine, Engine) else make_engine(_url())


def render_item(kind: str, obj: Any, _autogen_context: Any) -> str | Literal[False]:
    """`sqlmodel...AutoString(length=32)` -> `sa.String(length=32)`, and so on."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        if type(obj).__module__.startswith("sqlmodel."):
            return f"sa.{obj.impl_instance!r}"
    return False


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with migration_connection(_engine()) as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
