"""One document is never processed by two runs at once.

Two runs can meet on a document: an operator retries its `process-document` run while the
nightly run (or a `reprocess`) is at it. Both would load the same report, which the warehouse
survives (loads are idempotent and serialized), but their statuses could interleave: the
slower run may record `failed` after the faster one loaded the report. So each run holds the
document's lock from registration to the last write.

The lock lives where the warehouse lives, so every process that writes to it sees the same
locks: a PostgreSQL session advisory lock (`pg_try_advisory_lock`, released when the
connection closes even if the process dies), or for SQLite, which is one file on one host,
an exclusive `flock` on a file beside the database (released by the kernel when the process
dies). Taking a lock never blocks for long: `document_lock` polls until `wait_s` and then
reports the document as busy.
"""
from __future__ import annotations

import hashlib
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

POLL_S = 0.25
_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


def _key64(sha256: str) -> int:
    digest = hashlib.sha256(f"gongkai.document\x00{sha256}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def document_lock(engine: Engine, sha256: str | None, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold the document's lock for the block; yields False (and holds nothing) when another
    run still holds it after `wait_s` seconds. A document without bytes (sha256 None) needs
    no lock."""
    if not sha256:
        yield True
        return
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, sha256, wait_s) as got:
            yield got
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with _file_lock(Path(engine.url.database).with_name(Path(engine.url.database).name + ".locks") / sha256,
                        wait_s) as got:
            yield got
    else:
        with _thread_lock(f"{engine.url}#{sha256}", wait_s) as got:
            yield got


def _poll(try_once, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        if try_once():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)


_lock_engines: dict[str, Engine] = {}


def _lock_engine(engine: Engine) -> Engine:
    """Locks are held for a document's whole processing, one connection each: they get
    connections of their own (no pool), so that they never starve the pool the loads use."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    key = engine.url.render_as_string(hide_password=False)
    with _memory_guard:
        if key not in _lock_engines:
            _lock_engines[key] = create_engine(engine.url, poolclass=NullPool)
        return _lock_engines[key]


@contextmanager
def _pg_lock(engine: Engine, sha256: str, wait_s: float) -> Iterator[bool]:
    key = _key64(sha256)
    conn = _lock_engine(engine).connect()
    try:
        got = _poll(lambda: bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()), wait_s)
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()


@contextmanager
def _file_lock(path: Path, wait_s: float) -> Iterator[bool]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: one process per warehouse is assumed
        with _thread_lock(str(path), wait_s) as got:
            yield got
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # flock locks belong to the open file description: two threads of one process using
    # separate open() calls exclude each other too.
    fh = open(path, "a+b")  # noqa: SIM115 - closed below
    try:
        def try_once() -> bool:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        got = _poll(try_once, wait_s)
        try:
            yield got
        finally:
            if got:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


@contextmanager
def _thread_lock(name: str, wait_s: float) -> Iterator[bool]:
    with _memory_guard:
        lock = _memory_locks.setdefault(name, threading.Lock())
    got = lock.acquire(timeout=wait_s) if wait_s > 0 else lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()
