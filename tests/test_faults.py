"""Faults outside the documents: the warehouse database going away mid-load, the raw store
becoming read-only. Each fails clearly with an error worth a retry, loses nothing, and
the next run completes what was left, with nothing doubled.

The database is a PRIVATE PostgreSQL server started for this module (initdb into a temp
folder, its own port and socket folder; run as the `postgres` user when the tests run as
root, since initdb refuses root), so that stopping it touches nobody else's. The module
skips, saying why, where no PostgreSQL binaries are installed.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.errors import Transient
from crawl.rawstore import RawStore, RawStoreUnavailable
from storage.db import get_engine, is_outage
from storage.load import DocumentInfo, load_record, register_document
from storage.migrate import upgrade
from storage_fixtures import make_record, row_counts, rows, sha

INBOX = Path(__file__).resolve().parents[1] / "examples" / "inbox"


class PrivatePostgres:
    """One PostgreSQL server of our own: `stop()` and `start()` it at will."""

    def __init__(self, bindir: Path, root: Path, user: str | None):
        self.bindir, self.root, self.user = bindir, root, user
        self.data = root / "data"
        self.port = _free_port()
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def init(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--no-locale", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()[-300:]}")

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c shared_buffers=16MB -c max_connections=30")
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", opts, "-w",
                         "-t", "60", "start")
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout.strip()[-300:]} {done.stderr.strip()[-300:]}")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: the server quits at once, as in a crash or a pulled plug."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def private_pg():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    bindir = Path(bins[-1]).parent if bins else (Path(shutil.which("initdb")).parent if shutil.which("initdb")
                                                 else None)
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb) installed")
    user = None
    root = Path(tempfile.mkdtemp(prefix="gongkai-pg-"))
    if os.geteuid() == 0:  # initdb refuses root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run a private server as")
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser to start a private server as postgres")
        user = "postgres"
        os.chown(root, pw.pw_uid, pw.pw_gid)
    pg = PrivatePostgres(bindir, root, user)
    try:
        pg.init()
        pg.start()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL server: {exc}")
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


def _status(engine, source: str) -> str:
    return rows(engine, "SELECT status FROM documents WHERE sha256 = :s", s=sha(source))[0]["status"]


RECORDS = [make_record(agency=a, region=r, source=s) for a, r, s in (
    ("威海市文登区应急管理局", "山东省威海市文登区", "doc-a"),
    ("海东市应急管理局", "青海省海东市", "doc-b"),
    ("淮安市洪泽区人民政府", "江苏省淮安市洪泽区", "doc-c"),
)]


def _doc(record: dict) -> DocumentInfo:
    return DocumentInfo.from_record(record)


def test_the_warehouse_going_away_mid_load_loses_and_doubles_nothing(private_pg):
    url = private_pg.create_database("outage")
    upgrade(url)
    engine = get_engine(url)
    try:
        for rec in RECORDS:
            register_document(engine, _doc(rec))
        load_record(engine, RECORDS[0])

        def pull_the_plug(stage, n):
            if stage == "cells" and n >= 50:  # half-way through the second report's cells
                private_pg.stop("immediate")

        with pytest.raises(Exception) as lost:
            load_record(engine, RECORDS[1], progress=pull_the_plug)
        assert is_outage(lost.value), f"{type(lost.value).__name__}: {lost.value}"
        from gongkai.process import is_transient

        assert is_transient(lost.value)

        started = time.monotonic()
        with pytest.raises(Exception) as refused:  # the rest of the run: fails at once, clearly
            load_record(engine, RECORDS[2])
        assert is_outage(refused.value) and time.monotonic() - started < 30
        assert "127.0.0.1" in str(refused.value) or "connection" in str(refused.value).lower()

        private_pg.start()
        assert _status(engine, "doc-a") == "loaded"
        assert _status(engine, "doc-b") == "fetched"  # the half-written load rolled back
        assert _status(engine, "doc-c") == "fetched"
        assert row_counts(engine)["reports"] == 1 and row_counts(engine)["report_cells"] == 200

        # the next run: every document once more; the loaded one is unchanged, the others load
        outcomes = [load_record(engine, rec).outcome for rec in RECORDS]
        assert outcomes == ["unchanged", "inserted", "inserted"]
        assert {r["status"] for r in rows(engine, "SELECT status FROM documents")} == {"loaded"}
        after = row_counts(engine)
    finally:
        engine.dispose()

    clean_url = private_pg.create_database("clean")
    upgrade(clean_url)
    clean = get_engine(clean_url)
    try:
        for rec in RECORDS:
            load_record(clean, rec)
        assert after == row_counts(clean)  # exactly the warehouse of one clean load
    finally:
        clean.dispose()


def test_processing_a_file_while_the_warehouse_is_down_raises_and_records_nothing(private_pg):
    """The processing path: an outage is not the document's failure. It raises (a retry
    is worth it), the document is not marked failed, and the next run loads it."""
    from gongkai.process import is_transient, process_file

    url = private_pg.create_database("process")
    upgrade(url)
    engine = get_engine(url)
    try:
        private_pg.stop("immediate")
        try:
            with pytest.raises(Exception) as down:
                process_file(engine, INBOX / "d001.txt")
            assert is_transient(down.value)
        finally:
            private_pg.start()
        assert rows(engine, "SELECT status FROM documents") == []
        outcome = process_file(engine, INBOX / "d001.txt")
        assert outcome.status == "loaded"
        assert row_counts(engine)["reports"] == 1
    finally:
        engine.dispose()


# ---- the raw store ------------------------------------------------------------------------


def _as_unprivileged(fn):
    """Run `fn()` where file permissions apply: in a forked child that gave up root (root
    writes through any mode bits). Returns what it returned or raised, as (kind, text)."""
    if os.geteuid() != 0:
        try:
            return "ok", repr(fn())
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__, str(exc)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                out = ("ok", repr(fn()))
            except Exception as exc:  # noqa: BLE001
                out = (type(exc).__name__, str(exc))
            os.write(write, "\0".join(out).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read().decode()
    os.waitpid(pid, 0)
    kind, _, message = data.partition("\0")
    return kind, message


def test_a_read_only_raw_store_is_a_clear_error_worth_a_retry():
    root = Path(tempfile.mkdtemp(prefix="gongkai-raw-"))
    try:
        root.chmod(0o755)
        store = RawStore(root / "raw")
        kept, _, _ = store.put(b"first report")
        for d in [store.root, *store.root.rglob("*")]:  # the store becomes read-only
            if d.is_dir():
                d.chmod(0o555)
        kind, message = _as_unprivileged(lambda: store.put(b"second report"))
        assert kind == "RawStoreUnavailable", (kind, message)
        assert issubclass(RawStoreUnavailable, Transient)
        assert message.startswith(f"raw store {store.root} cannot be written (Permission denied): ")
        assert message.endswith("… not stored")
        # nothing half-written, the stored file still there
        assert store.count() == 1 and store.has(kept)
        assert not [p for p in store.root.rglob(".tmp-*")]

        for d in [store.root, *store.root.rglob("*")]:  # writable again: the next run stores it
            if d.is_dir():
                d.chmod(0o777)
        kind, _ = _as_unprivileged(lambda: store.put(b"second report"))
        assert kind == "ok"
        assert store.count() == 2
    finally:
        for d in [root, *root.rglob("*")]:
            if d.is_dir():
                d.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
