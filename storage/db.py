"""Which database, and how to connect to it.

One setting chooses the database: `GONGKAI_DATABASE_URL` (any SQLAlchemy URL; a
`postgresql://` URL is sent through psycopg 3). Without it the warehouse is an embedded
SQLite file, `gongkai.sqlite` in the data directory (`GONGKAI_DATA_DIR`, default `./data`),
so a laptop needs no server.

SQLite is tuned for a pipeline with several workers: WAL (readers never block the writer),
foreign keys on (SQLite leaves them off by default, and the loader relies on cascades), a
busy timeout so a second writer waits instead of failing, and write transactions opened with
`BEGIN IMMEDIATE`. The last matters: with a deferred BEGIN, a transaction that reads and then
writes can fail at once with SQLITE_BUSY when another writer committed in between (the busy
timeout does not apply to that upgrade); taking the write lock at BEGIN makes the second
writer simply wait its turn. Write transactions are short (records are prepared before the
transaction opens), so the wait is short.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DATA_DIR_ENV = "GONGKAI_DATA_DIR"
DATABASE_URL_ENV = "GONGKAI_DATABASE_URL"
SQLITE_FILENAME = "gongkai.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000

WRITE = {"gongkai_write": True}
"""Execution options for a write transaction: `engine.execution_options(**WRITE).begin()`
(SQLite: BEGIN IMMEDIATE; PostgreSQL: no difference)."""


def data_dir() -> Path:
    """The data directory: `GONGKAI_DATA_DIR`, else `./data`."""
    return Path(os.environ.get(DATA_DIR_ENV) or "data")


def database_url(explicit: str | None = None) -> str:
    """The database URL: `explicit`, else `GONGKAI_DATABASE_URL`, else the SQLite file.

    A plain filesystem path is taken as a SQLite file; `postgres://` and `postgresql://`
    select the psycopg 3 driver (the one gongkai depends on).
    """
    url = explicit or os.environ.get(DATABASE_URL_ENV)
    if not url:
        return f"sqlite:///{(data_dir() / SQLITE_FILENAME).resolve()}"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def get_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for `database_url(url)`, with gongkai's connection settings.

    For a SQLite file the parent directory is created. The caller owns the engine
    (`engine.dispose()` when done).
    """
    full = database_url(url)
    u = make_url(full)
    if u.get_backend_name() == "sqlite":
        db = u.database
        if db and db != ":memory:" and not db.startswith("file:"):
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(full, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(full, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own implicit
        # BEGIN is deferred and only precedes DML, which breaks transactional DDL too).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get("gongkai_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def is_sqlite(engine_or_conn: Any) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def is_outage(exc: BaseException) -> bool:
    """The database is away (connection refused or dropped, server restarting, SQLite file
    locked past the busy timeout): worth a retry, not a verdict on a document."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
