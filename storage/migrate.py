"""Run the warehouse's Alembic migrations from Python (`gongkai db upgrade` / `downgrade`).

The Alembic configuration lives in the package (`storage/migrations/`), not in a root
alembic.ini, so an installed gongkai can migrate any database it is pointed at. The open
connection is handed to `env.py` through `Config.attributes`; the whole upgrade runs in one
transaction (PostgreSQL and SQLite both have transactional DDL), so a failed migration leaves
the database as it was.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from .db import WRITE, get_engine
from .descriptions import sync_descriptions
from .cell_labels import sync_cell_labels

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the package's migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _run(url: str | Engine | None, fn) -> str | None:  # type: ignore[no-untyped-def]
    engine = url if isinstance(url, Engine) else get_engine(url)
    try:
        with engine.execution_options(**WRITE).connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Rebuilding a table that others reference (Alembic's batch mode) drops it;
                # with enforcement on, SQLite refuses or cascades. The pragma has no effect
                # inside a transaction, so it is set before BEGIN, on the DBAPI connection,
                # and the result is checked before the commit instead.
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    fn(conn)
                    if sqlite:
                        bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if bad:
                            raise RuntimeError(f"migration left rows with dangling foreign keys: {bad[:5]}")
                    return MigrationContext.configure(conn).get_current_revision()
            finally:
                if sqlite:
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def upgrade(url: str | Engine | None = None, revision: str = "head") -> str | None:
    """Migrate to `revision` (default: the latest) and re-sync `cell_labels` with the template
    and `columns` (and PostgreSQL's comments on the views) with `storage.descriptions`.

    `url`: a database URL (None: `storage.db.database_url()`), or an engine. Returns the
    revision the database is at afterwards.
    """

    def go(conn: Connection) -> None:
        command.upgrade(alembic_config(conn), revision)
        tables = set(inspect(conn).get_table_names())
        if "cell_labels" in tables:
            sync_cell_labels(conn)
        if "columns" in tables:
            sync_descriptions(conn)

    return _run(url, go)


def downgrade(url: str | Engine | None = None, revision: str = "base") -> str | None:
    """Migrate down to `revision` ("base": drop everything the migrations made)."""
    return _run(url, lambda conn: command.downgrade(alembic_config(conn), revision))


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: not migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The latest revision the package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
