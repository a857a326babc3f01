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
import re
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


def describe_db_error(exc: BaseException, url: str | None = None) -> str:
    """One line that says what is wrong with the warehouse connection and what to do, for
    an error raised while connecting to or migrating it (no traceback for the operator).

    `url` (shown without its password) is the database that was tried. Errors that are not
    about reaching or using the database come back as their first line."""
    from sqlalchemy.engine import make_url as _make_url

    where = ""
    if url:
        try:
            where = _make_url(database_url(url)).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - an unparsable URL is described below
            where = url
    at = f" ({where})" if where else ""
    msg = " ".join(str(getattr(exc, "orig", None) or exc).split())
    low = msg.lower()
    name = type(exc).__name__
    m = re.search(r'role "([^"]+)" does not exist', msg)
    if m:
        return (f'the warehouse database refuses the user: role "{m.group(1)}" does not exist{at}; '
                f"create it (createuser {m.group(1)}) or put an existing user in GONGKAI_DATABASE_URL")
    m = re.search(r'database "([^"]+)" does not exist', msg)
    if m:
        return (f'the warehouse database "{m.group(1)}" does not exist{at}; create it '
                f"(createdb -O <user> {m.group(1)}) or fix GONGKAI_DATABASE_URL")
    if "password authentication failed" in low or "no password supplied" in low:
        return f"the warehouse database refused the login{at}: wrong or missing password in GONGKAI_DATABASE_URL"
    if "no pg_hba.conf entry" in low:
        return f"the PostgreSQL server does not accept this client{at}: add a pg_hba.conf entry for it"
    if "permission denied" in low:
        return f"the warehouse user lacks a privilege{at}: {msg[:300]}"
    if any(s in low for s in ("connection refused", "could not translate host name", "name or service not known",
                              "timeout expired", "timed out", "no route to host", "network is unreachable",
                              "could not connect", "connection is bad", "server closed the connection")):
        hint = "" if "is the server running" in low else "; is the server running, and is the host right?"
        return f"cannot reach the warehouse database{at}: {msg[:300]}{hint}"
    if "unable to open database file" in low:
        return f"cannot open the SQLite warehouse{at}: the folder is missing or not writable (GONGKAI_DATA_DIR)"
    if name in ("ArgumentError", "NoSuchModuleError") or "could not parse sqlalchemy url" in low:
        return (f"GONGKAI_DATABASE_URL / --database-url is not a usable database URL{at}: {msg[:200]} "
                "(e.g. postgresql://user@host/gongkai, or a SQLite file path)")
    if "can't locate revision" in low:
        return (f"the warehouse{at} was migrated by a newer gongkai ({msg[:200]}); upgrade gongkai, "
                "or downgrade the database with that version")
    return f"warehouse database error{at}: {name}: {msg[:300]}"


DB_ERRORS: tuple[type[BaseException], ...]
"""What to catch around warehouse access to report it with `describe_db_error`."""


def _db_errors() -> tuple[type[BaseException], ...]:
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    errors: list[type[BaseException]] = [SQLAlchemyError, CommandError]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


DB_ERRORS = _db_errors()
