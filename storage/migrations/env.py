"""Alembic environment for gongkai's warehouse.

Run programmatically (`storage.migrate.upgrade`): the caller passes an open connection in
`config.attributes["connection"]`, so no alembic.ini is needed and the URL never goes through
configparser interpolation. Without one (the `alembic` command with a config naming this
directory), the URL comes from `sqlalchemy.url` or `GONGKAI_DATABASE_URL` / the default SQLite
file, as everywhere else in gongkai.
"""
from __future__ import annotations

from alembic import context

from storage.db import WRITE, database_url, get_engine
from storage.models import Base
from storage.views import VIEW_NAMES

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Autogenerate sees tables only: the BI views are maintained by hand in the migrations."""
    return not (type_ == "table" and name in VIEW_NAMES)


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by table copy
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(config.get_main_option("sqlalchemy.url") or None),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = get_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.execution_options(**WRITE).connect() as conn:
            _configure(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
