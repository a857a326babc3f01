"""The flows on Prefect's in-memory ephemeral backend: what they load, how they fail, what
they retry, what they cache; and the plain pieces (settings, retry rule, locks, summary)."""
import prefect_fixtures  # noqa: F401  (first: Prefect's environment)

import shutil
import sqlite3
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prefect_fixtures import data_dir, db_url  # noqa: F401
from sqlalchemy.exc import OperationalError

from conftest import INBOX
from flows import handoff, tasks
from flows.backfill import backfill
from flows.nightly import RunFailed, nightly
from flows.process_document import process_document
from flows.reprocess import reprocess
from flows.settings import FlowSettings
from core.errors import BadDocument, NotAReport, Transient
from core.hashing import sha256_file
from gongkai import documents, process, summary
from gongkai.pipeline import group_digest
from gongkai.process import max_attempts_setting, process_file
from storage.locks import document_lock
from storage import get_engine, upgrade
from storage_fixtures import pg_database, rows, scalar  # noqa: F401

COUNTED_TABLES = ("documents", "agencies", "reports", "report_cells", "findings", "report_documents")


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    tasks.dispose_engines()


def summary_of(state) -> dict:
    """A nightly-style run's summary: its result, or carried by the RunFailed of a Failed run."""
    data = state.result(raise_on_failure=False)
    return data.summary if isinstance(data, RunFailed) else data


def warehouse(url: str) -> dict:
    engine = get_engine(url)
    try:
        return {
            "cells": sorted((r["agency"], r["year"], r["cell"], float(r["value"]), r["sha256"]) for r in
                            rows(engine, "SELECT agency, year, cell, value, sha256 FROM bi_cells")),
            "documents": sorted((r["sha256"], r["status"], r["error_class"] or "") for r in
                                rows(engine, "SELECT sha256, status, error_class FROM documents")),
            "findings": sorted((r["rule"], r["n"]) for r in
                               rows(engine, "SELECT rule, COUNT(*) AS n FROM findings GROUP BY rule")),
            "counts": {t: scalar(engine, f"SELECT COUNT(*) FROM {t}") for t in COUNTED_TABLES},
        }
    finally:
        engine.dispose()


def copy_inbox(dest: Path, names: list[str]) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(INBOX / n, dest / n)
    return dest


def unique_html(path: Path) -> Path:
    """Bytes of its own, so that no other test's cached extraction of the same content is
    reused (the cache is keyed on content and lives for the session)."""
    with path.open("ab") as fh:
        fh.write(f"<!-- {uuid.uuid4()} -->".encode())
    return path


def broken_pdf(path: Path) -> Path:
    path.write_bytes((INBOX / "d002.pdf").read_bytes()[:400])  # truncated: unreadable
    return path


# ---- plain pieces ------------------------------------------------------------------------

def test_settings_come_from_the_environment_and_are_checked():
    s = FlowSettings.from_env({"GONGKAI_DASK_ADDRESS": "tcp://10.0.0.5:8786", "GONGKAI_WORKERS": "8",
                               "GONGKAI_DOCUMENT_TIMEOUT_S": "60"})
    assert (s.task_runner, s.dask_address, s.workers, s.document_timeout_s) == ("dask", "tcp://10.0.0.5:8786", 8, 60.0)
    assert FlowSettings.from_env({}).task_runner == "thread"
    with pytest.raises(ValueError, match="GONGKAI_TASK_RUNNER='ray'"):
        FlowSettings.from_env({"GONGKAI_TASK_RUNNER": "ray"})
    with pytest.raises(ValueError, match="GONGKAI_WORKERS='many': not a int"):
        FlowSettings.from_env({"GONGKAI_WORKERS": "many"})
    # GONGKAI_MAX_ATTEMPTS is read as `gongkai.process.max_attempts_setting` reads it
    assert FlowSettings.from_env({"GONGKAI_MAX_ATTEMPTS": " 5 "}).max_attempts == 5
    assert FlowSettings.from_env({}).max_attempts == max_attempts_setting({}) == 3
    for raw in ("many", "0"):
        with pytest.raises(ValueError) as flows_error:
            FlowSettings.from_env({"GONGKAI_MAX_ATTEMPTS": raw})
        with pytest.raises(ValueError) as process_error:
            max_attempts_setting({"GONGKAI_MAX_ATTEMPTS": raw})
        assert str(flows_error.value) == str(process_error.value)
    with pytest.raises(ValueError, match="GONGKAI_WORKERS=0"):
        FlowSettings(workers=0)
    with pytest.raises(ValueError, match="FLOW_NAME/DEPLOYMENT_NAME"):
        FlowSettings(process_deployment="process-document")


def test_only_transient_errors_are_retried():
    from crawl.http import HTTPStatusError, NetworkError, ServerError
    from prefect.states import Failed

    assert process.is_transient(Transient("database restarting"))
    assert process.is_transient(ServerError("http://x", 503, "HTTP 503"))
    assert process.is_transient(NetworkError("http://x", "connection reset"))
    assert process.is_transient(OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked")))
    assert process.is_transient(ConnectionResetError())
    for terminal in (BadDocument("encrypted PDF"), NotAReport("no report"), HTTPStatusError("http://x", 404),
                     ValueError("extractor bug"), TimeoutError("took too long"), None):
        assert not process.is_transient(terminal), terminal
    # What Prefect hands the retry condition: the failed state, the exception as its data.
    assert tasks.retry_if_transient(None, None, Failed(data=Transient("503")))
    assert not tasks.retry_if_transient(None, None, Failed(data=BadDocument("truncated")))


def test_nightly_processes_new_unfinished_and_not_too_often_failed_documents():
    assert process.needs_processing(None, 3)
    assert process.needs_processing(("fetched", 0), 3) and process.needs_processing(("extracted", 0), 3)
    assert process.needs_processing(("failed", 2), 3) and not process.needs_processing(("failed", 3), 3)
    assert not process.needs_processing(("loaded", 0), 3) and not process.needs_processing(("skipped", 0), 3)
    ref, dead = documents.DocRef("a" * 64), documents.DocRef(None, url="http://x/gone.pdf", fetch_attempts=4)
    assert process.given_up(ref, ("failed", 3), 3) and not process.given_up(ref, ("failed", 2), 3)
    assert process.given_up(dead, None, 3) and not process.given_up(dead, None, 4)


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_document_lock_is_held_by_one_run_at_a_time(tmp_path, where):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}" if where == "file" else "sqlite://"
    engine = get_engine(url)
    sha = "a" * 64
    seen = []
    with document_lock(engine, sha) as first:
        assert first
        t = threading.Thread(target=lambda: seen.append(document_lock(engine, sha, 0.3).__enter__()))
        t.start()
        t.join()
        with document_lock(engine, "b" * 64) as other:
            assert other  # another document is not blocked
    assert seen == [False]
    with document_lock(engine, sha) as again:
        assert again  # released
    with document_lock(engine, None) as nothing:
        assert nothing
    engine.dispose()


def test_the_lock_is_a_postgresql_advisory_lock_there(pg_database):
    engine, other = get_engine(pg_database), get_engine(pg_database)  # two "processes"
    sha = "c" * 64
    with document_lock(engine, sha) as got:
        assert got
        with document_lock(other, sha, 0.3) as second:
            assert not second
    with document_lock(other, sha) as after:
        assert after
    engine.dispose()
    other.dispose()


def test_nightly_on_postgresql_loads_what_it_loads_on_sqlite(data_dir, db_url, pg_database):
    assert nightly(inbox=str(INBOX), return_state=True).is_completed()
    state = nightly(inbox=str(INBOX), database_url=pg_database, return_state=True)
    assert state.is_completed(), state.message
    assert warehouse(pg_database) == warehouse(db_url)


def test_process_document_parameters_find_the_document_again(tmp_path, data_dir):
    engine = get_engine()
    upgrade(engine)
    f = copy_inbox(tmp_path / "in", ["d001.txt"]) / "d001.txt"
    ref = documents.ref_from_path(f, url="https://gov.example/a.txt")
    assert ref.parameters() == {"sha256": ref.sha256, "path": str(f), "url": "https://gov.example/a.txt"}
    process.register(engine, ref)
    # By sha256 alone: the documents row's path.
    assert documents.resolve(engine, sha256=ref.sha256).path == str(f)
    # The file was replaced by the operator: its current bytes are processed.
    shutil.copy(INBOX / "d021.txt", f)
    assert documents.resolve(engine, sha256=ref.sha256, path=str(f)).sha256 == sha256_file(f)
    # The recorded path no longer holds those bytes, but the raw store does.
    from crawl.rawstore import open_store
    sha, stored, _ = open_store().put((INBOX / "d001.txt").read_bytes())
    assert sha == ref.sha256 and documents.resolve(engine, sha256=ref.sha256).path == stored
    with pytest.raises(BadDocument, match="document not found"):
        documents.resolve(engine, sha256="f" * 64)
    engine.dispose()


def test_a_report_in_several_files_is_one_document(tmp_path, data_dir):
    """A report posted one picture per page: its files are read together, and the document is
    the group (identified as `extract_group` identifies it), not its first file."""
    engine = get_engine()
    upgrade(engine)
    members = [str(INBOX / "d001.txt"), str(INBOX / "seed-004.txt")]
    ref = documents.resolve(engine, members=members, url="https://gov.example/page.html")
    assert ref.sha256 == group_digest([sha256_file(m) for m in members])
    process.register(engine, ref)
    extracted = process.extract(ref)
    assert extracted["record"]["source"]["sha256"] == ref.sha256
    assert process.load(engine, ref, extracted).status == "loaded"
    assert rows(engine, "SELECT sha256, format, source_url FROM documents WHERE format = 'group'") == [
        {"sha256": ref.sha256, "format": "group", "source_url": "https://gov.example/page.html"}]
    # Each member file is a document of its own too (lineage), as `gongkai load` records them.
    members_seen = {r["sha256"] for r in rows(engine, "SELECT sha256 FROM documents WHERE format IS NULL")}
    assert members_seen == {sha256_file(m) for m in members}
    engine.dispose()


def test_the_summary_says_what_failed_and_links_the_runs():
    ok = process.Outcome("a.pdf", "loaded", "1" * 64, report_id=1)
    bad = process.Outcome("/in/b.pdf", "failed", "2" * 64, error="unreadable PDF", error_class="BadDocument",
                          url="https://gov.example/b.pdf", run_name="doc-gov.example-b.pdf-22222222",
                          run_url="http://ui/runs/flow-run/0f8c")
    s = summary.build("nightly", "2026-11-22", [ok, bad], found=3, new=2, already=1,
                      findings={"apply.row_total": 2})
    assert s["documents"] == {"found": 3, "new": 2, "loaded": 1, "unchanged": 1, "skipped": 0, "failed": 1,
                              "busy": 0, "given_up": 0}
    msg = summary.failure_message(s)
    assert msg.startswith("1 of 2 documents failed (https://gov.example/b.pdf: unreadable PDF)")
    assert "process-document" in msg
    md = summary.markdown(s)
    assert "| b.pdf | https://gov.example/b.pdf | 222222222222 | unreadable PDF |" in md
    assert "[doc-gov.example-b.pdf-22222222](http://ui/runs/flow-run/0f8c)" in md and "`apply.row_total` | 2" in md
    assert summary.failure_message(summary.build("nightly", "d", [ok], found=1, new=1, already=0)) is None


# ---- flows -------------------------------------------------------------------------------

def test_nightly_loads_the_inbox_like_gongkai_load_and_a_second_run_loads_nothing(tmp_path, data_dir, db_url):
    state = nightly(inbox=str(INBOX), return_state=True)
    assert state.is_completed(), state.message
    s = state.result()
    assert s["documents"]["loaded"] == s["documents"]["found"] == 15 and s["documents"]["failed"] == 0
    assert s["findings_by_rule"] and s["crawl"] is None

    plain = f"sqlite:///{tmp_path / 'plain.sqlite'}"
    engine = get_engine(plain)
    upgrade(engine)
    assert {process_file(engine, p).status for p in sorted(INBOX.iterdir())} == {"loaded"}
    engine.dispose()
    first = warehouse(db_url)
    assert first == warehouse(plain)

    again = nightly(inbox=str(INBOX), return_state=True)
    assert again.is_completed()
    assert again.result()["documents"] == {"found": 15, "new": 0, "loaded": 0, "unchanged": 15, "skipped": 0,
                                           "failed": 0, "busy": 0, "given_up": 0}
    assert warehouse(db_url) == first


def test_nightly_fails_when_a_document_fails_and_says_which(tmp_path, data_dir, db_url):
    inbox = copy_inbox(tmp_path / "inbox", ["d001.txt"])
    broken_pdf(inbox / "broken.pdf")
    state = nightly(inbox=str(inbox), return_state=True)
    assert state.is_failed()
    assert "1 of 2 documents failed (" in state.message and "broken.pdf: unreadable PDF" in state.message
    s = summary_of(state)
    assert s["documents"]["loaded"] == 1 and [f["document"] for f in s["failed"]] == ["broken.pdf"]
    assert s["note"] == handoff.EPHEMERAL_NOTE  # no server, no deployment: nothing handed off
    assert s["failed"][0]["run_name"] is None
    docs = {r["filename"]: r for r in rows(get_engine(db_url), "SELECT * FROM documents")}
    assert docs["broken.pdf"]["status"] == "failed" and docs["broken.pdf"]["attempts"] == 1
    assert "unreadable PDF" in docs["broken.pdf"]["error_message"]

    # Tried again the next night (fewer than max_attempts failures) ...
    assert summary_of(nightly(inbox=str(inbox), return_state=True))["documents"]["new"] == 1
    # ... but not after max_attempts: given up (reprocess still takes it), and the run is fine.
    state = nightly(inbox=str(inbox), max_attempts=2, return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["documents"]["given_up"] == 1


def test_process_document_by_sha256_or_path_and_its_run_fails_with_the_error(tmp_path, data_dir, db_url):
    from crawl.rawstore import open_store

    sha, _, _ = open_store().put((INBOX / "d003.docx").read_bytes())
    result = process_document(sha256=sha)
    assert result["status"] == "loaded" and result["agency"]
    assert process_document(path=str(INBOX / "d003.docx"))["status"] == "unchanged"

    bad = broken_pdf(tmp_path / "broken.pdf")
    state = process_document(path=str(bad), return_state=True)
    # One line an operator can act on: the file, where it is, its hash, the error, what to do.
    assert state.is_failed() and state.message.startswith(f"broken.pdf ({bad}, sha256 ")
    assert "unreadable PDF" in state.message and state.message.endswith("then Retry this run")
    # Fixed (the file replaced): the same parameters now load it.
    shutil.copy(INBOX / "d002.pdf", bad)
    assert process_document(path=str(bad), sha256=sha256_file(INBOX / "d003.docx"))["status"] == "loaded"


def test_database_errors_are_retried_and_document_errors_are_not(tmp_path, data_dir, db_url, monkeypatch):
    import storage

    calls = {"load": 0, "extract": 0}
    real_load, real_extract = storage.load_record, process.extract

    def flaky_load(*a, **k):
        calls["load"] += 1
        if calls["load"] < 3:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        return real_load(*a, **k)

    def counted_extract(ref):
        calls["extract"] += 1
        return real_extract(ref)

    monkeypatch.setattr(storage, "load_record", flaky_load)
    monkeypatch.setattr(process, "extract", counted_extract)
    assert process_document(path=str(INBOX / "d021.txt"))["status"] == "loaded"
    assert calls["load"] == 3  # two retries

    bad = broken_pdf(tmp_path / "again.pdf")
    calls["extract"] = 0
    assert process_document(path=str(bad), return_state=True).is_failed()
    assert calls["extract"] == 1  # BadDocument: not retried


def test_a_retry_reuses_the_extraction_that_succeeded(tmp_path, data_dir, db_url, monkeypatch):
    """Extraction is cached on content hash (persisted): a run whose load failed, run again,
    loads without extracting again."""
    import storage

    f = unique_html(copy_inbox(tmp_path / "in", ["d019.html"]) / "d019.html")
    calls = {"extract": 0}
    real_extract, real_load = process.extract, storage.load_record

    def counted_extract(ref):
        calls["extract"] += 1
        return real_extract(ref)

    def down(*a, **k):
        raise OperationalError("INSERT", {}, ConnectionRefusedError("database down"))

    monkeypatch.setattr(process, "extract", counted_extract)
    monkeypatch.setattr(storage, "load_record", down)
    state = process_document(path=str(f), return_state=True)
    assert state.is_failed() and "database down" in state.message
    monkeypatch.setattr(storage, "load_record", real_load)
    assert process_document(path=str(f))["status"] == "loaded"
    assert calls["extract"] == 1
    # A reprocess forces extraction again (new extractor code is its usual reason).
    assert reprocess(status="loaded", return_state=True).is_completed()
    assert calls["extract"] == 2


def test_reprocess_failed_documents_after_the_cause_is_fixed(tmp_path, data_dir, db_url, monkeypatch):
    inbox = copy_inbox(tmp_path / "inbox", ["d001.txt", "d014.html"])
    unique_html(inbox / "d014.html")
    real_extract = process.extract

    def buggy(ref):
        if ref.path.endswith("d014.html"):
            raise IndexError("list index out of range")  # an extractor bug, not the document's fault
        return real_extract(ref)

    monkeypatch.setattr(process, "extract", buggy)
    state = nightly(inbox=str(inbox), return_state=True)
    assert state.is_failed() and "d014.html: internal error (IndexError: list index out of range)" in state.message
    monkeypatch.setattr(process, "extract", real_extract)  # the fix ships
    state = reprocess(status="failed", return_state=True)
    assert state.is_completed(), state.message
    assert state.result()["documents"]["loaded"] == 1
    assert {r["status"] for r in rows(get_engine(db_url), "SELECT status FROM documents")} == {"loaded"}


class _Files(BaseHTTPRequestHandler):
    routes: dict[str, tuple[str, bytes]] = {}

    def log_message(self, *a):
        pass

    def do_GET(self):
        ctype, body = self.routes.get(self.path, ("text/plain", b""))
        if not body:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site():
    """A government site on 127.0.0.1: a report list linking two PDF reports."""
    listing = ("<html><head><title>政府信息公开年报</title></head><body><ul>"
               '<li><a href="/xxgk/ndbg/r001.pdf">洪泽区人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>'
               '<li><a href="/xxgk/ndbg/d025.pdf">示例市民政局2021年政府信息公开工作年度报告</a><span>2022-01-15</span></li>'
               '<li><a href="/xxgk/ndbg/gone.pdf">示例县2019年政府信息公开工作年度报告</a><span>2020-01-15</span></li>'
               "</ul></body></html>").encode()
    routes = {"/xxgk/ndbg/index.html": ("text/html; charset=utf-8", listing),
              "/xxgk/ndbg/r001.pdf": ("application/pdf", (INBOX / "r001.pdf").read_bytes()),
              "/xxgk/ndbg/d025.pdf": ("application/pdf", (INBOX / "d025.pdf").read_bytes())}
    handler = type("Files", (_Files,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_backfill_fetches_urls_into_the_raw_store(data_dir, db_url, site):
    urls = [f"{site}/xxgk/ndbg/r001.pdf", f"{site}/xxgk/ndbg/gone.pdf"]
    state = backfill(urls=urls, allow_private=True, return_state=True)
    assert state.is_failed() and "gone.pdf" in state.message and "404" in state.message
    s = summary_of(state)
    assert s["documents"]["loaded"] == 1 and s["documents"]["failed"] == 1
    [doc] = rows(get_engine(db_url), "SELECT source_url, path, status FROM documents")
    assert doc["source_url"] == urls[0] and doc["status"] == "loaded" and "/raw/" in doc["path"]


def test_nightly_crawls_the_sources_and_then_only_what_changed(tmp_path, data_dir, db_url, site):
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - name: local\n    start_urls: [{site}/xxgk/ndbg/index.html]\n"
                       "    allow_private: true\n    limits: {delay_s: 0}\n", encoding="utf-8")
    state = nightly(sources=str(sources), return_state=True)
    assert state.is_failed() and "gone.pdf" in state.message and "404" in state.message  # a dead link
    s = summary_of(state)
    assert (s["crawl"]["reports"], s["crawl"]["new"], s["crawl"]["failed"]) == (3, 2, 1)
    assert s["documents"]["loaded"] == 2 and s["documents"]["failed"] == 1
    urls = {r["source_url"] for r in rows(get_engine(db_url), "SELECT source_url FROM documents")}
    assert urls == {f"{site}/xxgk/ndbg/r001.pdf", f"{site}/xxgk/ndbg/d025.pdf"}

    # The next night: 304s, nothing to process; the dead link has failed more than
    # max_attempts nights in a row, so it is given up on and the run is fine.
    state = nightly(sources=str(sources), max_attempts=1, return_state=True)
    assert state.is_completed(), state.message
    s = state.result()
    assert s["crawl"]["unchanged"] == 2 and s["documents"]["new"] == 0 and s["documents"]["unchanged"] == 2
    assert s["documents"]["given_up"] == 1
