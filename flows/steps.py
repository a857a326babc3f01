"""The per-document steps as plain functions (no Prefect here): what a flow does to one
document, split where Prefect needs seams.

`gongkai.ingest.process_file` does register → extract → load in one call, which is right for
the CLI. The flows need the same steps apart: extraction is the slow, cacheable, scalable part
(a task keyed on the content hash, possibly on a Dask worker), the warehouse writes are the
retryable part (a database restart is worth a retry, a broken PDF is not). The steps below
call the same library functions as `process_file` (`extract_record` / `extract_group`,
`register_document`, `load_record`, `record_failure`, `mark_document`) in the same order with
the same outcomes, and the flow tests check that both give the same warehouse.

`DocRef` is what the flows pass around: where a document's bytes are and where they came from.
It is plain data (picklable for Dask, JSON-able for `run_deployment` parameters).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy.engine import Engine

from core.errors import BadDocument, NotAReport, Transient
from gongkai.ingest import Outcome


@dataclass(frozen=True)
class DocRef:
    """One document to process. `sha256` is None only for a report whose fetch failed."""

    sha256: str | None
    path: str | None = None
    url: str | None = None
    page_url: str | None = None
    members: tuple[str, ...] = ()
    """A report posted as several files (one picture per page): read together as one record,
    identified by the hash of the members' hashes (as `gongkai.pipeline.extract_group` does)."""
    size: int | None = None
    media_type: str | None = None
    fetched_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    origin: str = "inbox"          # inbox | crawl | url | warehouse
    fetch_status: str = "new"      # new | unchanged | failed (what the crawl said)
    fetch_error: str | None = None
    fetch_attempts: int = 0        # consecutive failed fetches of `url` (the crawler's fetch state)

    @property
    def name(self) -> str:
        where = self.path or self.url or ""
        base = where.rstrip("/").rsplit("/", 1)[-1] if where else ""
        return base or (self.sha256 or "?")[:12]

    @property
    def key(self) -> str:
        """The document's identity in run names and idempotency keys."""
        if self.sha256:
            return self.sha256
        return "url-" + hashlib.sha256((self.url or self.path or "").encode()).hexdigest()[:24]

    def document_info(self):
        from storage import DocumentInfo

        fetched = datetime.fromisoformat(self.fetched_at) if self.fetched_at else None
        path = self.path
        return DocumentInfo(sha256=self.sha256 or "", size=self.size, media_type=self.media_type,
                            format="group" if self.members else None,
                            filename=Path(path).name if path and "://" not in path else None,
                            path=path, source_url=self.url, referrer_url=self.page_url, fetched_at=fetched,
                            etag=self.etag, last_modified=self.last_modified)

    def parameters(self) -> dict[str, Any]:
        """The `process-document` parameters that find this document again."""
        params: dict[str, Any] = {"sha256": self.sha256, "path": self.path, "url": self.url,
                                  "page_url": self.page_url}
        if self.members:
            params["members"] = list(self.members)
        return {k: v for k, v in params.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["members"] = list(self.members)
        return d


@dataclass
class DocOutcome(Outcome):
    """`gongkai.ingest.Outcome` plus what the flows add: where the document came from, and
    the `process-document` run it was handed to when it failed. `status` is one of
    loaded, unchanged, skipped, failed, busy (another run holds the document)."""

    url: str | None = None
    run_id: str | None = None
    run_url: str | None = None


# ---- finding documents -------------------------------------------------------------------

def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def group_sha256(member_shas: Iterable[str]) -> str:
    """The identity of a report read from several files, as `extract_group` computes it."""
    return hashlib.sha256("".join(member_shas).encode()).hexdigest()


def ref_from_path(path: str | Path, **fields: Any) -> DocRef:
    p = Path(path).resolve()
    return DocRef(sha256=sha256_file(p), path=str(p), size=p.stat().st_size, **fields)


def refs_from_folder(folder: str | Path) -> list[DocRef]:
    """A folder's files (name order; hidden files and sub-folders ignored), as `gongkai load`
    reads them."""
    from gongkai.pipeline import expand_paths

    folder = Path(folder)
    if not folder.is_dir():
        raise BadDocument(f"no such folder: {folder}")
    return [ref_from_path(p) for p in expand_paths([folder])]


def ref_from_report(report) -> DocRef:
    """A `crawl.model.FoundReport` → the document to process.

    A failed report has no bytes: its ref carries the URL and the error. A picture-only
    report (several images) is a group; anything else is its first file."""
    base: dict[str, Any] = dict(url=report.url, page_url=report.page, origin="crawl",
                                fetch_status=report.status)
    if report.status == "failed" or not report.files:
        return DocRef(sha256=None, fetch_error=report.error or "not fetched", **base)
    images = [f for f in report.files if f.kind == "image" and f.path]
    if report.kind == "image" and len(images) > 1:
        shas = [f.sha256 for f in images]
        return DocRef(sha256=group_sha256(shas), path=images[0].path, members=tuple(f.path for f in images),
                      **base)
    f = report.files[0]
    return DocRef(sha256=f.sha256, path=f.path, size=f.size, media_type=f.media_type,
                  fetched_at=f.fetched_at.isoformat() if f.fetched_at else None, etag=f.etag,
                  last_modified=f.last_modified, **base)


def warehouse_states(engine: Engine, shas: Iterable[str]) -> dict[str, tuple[str, int]]:
    """sha256 → (documents.status, attempts) for the documents the warehouse knows."""
    from sqlalchemy import select

    from storage.models import Document

    shas = sorted({s for s in shas if s})
    out: dict[str, tuple[str, int]] = {}
    with engine.connect() as conn:
        for i in range(0, len(shas), 500):
            for sha, status, attempts in conn.execute(select(Document.sha256, Document.status, Document.attempts)
                                                      .where(Document.sha256.in_(shas[i:i + 500]))):
                out[sha] = (status, attempts or 0)
    return out


DONE = ("loaded", "skipped")


def given_up(ref: DocRef, state: tuple[str, int] | None, max_attempts: int) -> bool:
    """A document failed `max_attempts` times already (the warehouse's attempts), or its URL
    failed to fetch more than `max_attempts` crawls in a row (tonight's included): the nightly
    run stops retrying it and no longer fails because of it (the summary counts it as
    given up; `reprocess` or a process-document run still takes it)."""
    if ref.sha256 is None:
        return ref.fetch_attempts > max_attempts
    return state is not None and state[0] == "failed" and state[1] >= max_attempts


def needs_processing(state: tuple[str, int] | None, max_attempts: int) -> bool:
    """Whether a document the nightly run sees should be processed: never seen, or not
    finished (a crashed run left it `fetched`/`extracted`), or failed fewer than
    `max_attempts` times. Loaded and skipped documents are done until `reprocess`."""
    if state is None:
        return True
    status, attempts = state
    if status in DONE:
        return False
    return status != "failed" or attempts < max_attempts


def resolve(engine: Engine, *, sha256: str | None = None, path: str | None = None, url: str | None = None,
            page_url: str | None = None, members: list[str] | None = None, fetch=None) -> DocRef:
    """The document `process-document` is asked for, found again.

    In order: `members` (read together); `path`, when the file is there (if it no longer holds
    `sha256`, its current bytes are processed: the operator replaced a broken file); the
    warehouse's row for `sha256` (its path, else the raw store's copy); `url`, fetched again
    (`fetch(url, page_url)` → DocRef). Raises BadDocument when none of them finds the bytes.
    """
    if members:
        missing = [m for m in members if not is_local_file(m)]
        if missing:
            raise BadDocument(f"missing member files: {', '.join(missing)}")
        shas = [sha256_file(m) for m in members]
        return DocRef(sha256=group_sha256(shas), path=members[0], members=tuple(members), url=url,
                      page_url=page_url, origin="crawl" if url else "inbox")
    if path and is_local_file(path):
        return ref_from_path(path, url=url, page_url=page_url, origin="crawl" if url else "inbox")
    row = _document_row(engine, sha256) if sha256 else None
    if row is not None:
        url = url or row["source_url"]
        page_url = page_url or row["referrer_url"]
        if row["path"] and is_local_file(row["path"]) and sha256_file(row["path"]) == sha256:
            return ref_from_path(row["path"], url=url, page_url=page_url, origin="warehouse")
    if sha256:
        stored = raw_store_path(sha256)
        if stored:
            return ref_from_path(stored, url=url, page_url=page_url, origin="crawl" if url else "warehouse")
    if url and fetch is not None:
        return fetch(url, page_url)
    wanted = ", ".join(f"{k}={v}" for k, v in (("sha256", sha256), ("path", path), ("url", url)) if v)
    raise BadDocument(f"document not found ({wanted or 'nothing given'}): give a path, a sha256 the "
                      "warehouse or the raw store knows, or a URL to fetch")


def is_local_file(path: str) -> bool:
    return "://" not in path and Path(path).is_file()


def _document_row(engine: Engine, sha256: str) -> Mapping[str, Any] | None:
    from sqlalchemy import inspect, select

    from storage.models import Document

    with engine.connect() as conn:
        if not inspect(conn).has_table("documents"):
            return None
        return conn.execute(select(Document.path, Document.source_url, Document.referrer_url)
                            .where(Document.sha256 == sha256.lower())).mappings().first()


def raw_store_path(sha256: str) -> str | None:
    try:
        from crawl.rawstore import RawStore, open_store
    except ImportError:  # pragma: no cover - the crawler is optional for the flows
        return None
    try:
        store = open_store()
        if not store.has(sha256):
            return None
        if isinstance(store, RawStore):
            return store.path(sha256)
        # An object store: extraction needs a local file.
        local = Path(tempfile.gettempdir()) / "gongkai-raw" / sha256
        if not local.is_file():
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp = local.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(store.get(sha256))
            os.replace(tmp, local)
        return str(local)
    except ValueError:  # not a hex digest
        return None


# ---- the steps ---------------------------------------------------------------------------

def extract(ref: DocRef) -> dict[str, Any]:
    """Bytes → `{"status": "ok", "record": {...}}`, or `{"status": "skipped", "message": ...}`
    for a readable file that holds no report. Raises BadDocument (terminal) or whatever the
    extractor raises. No database access: this is the part that runs on Dask workers and whose
    result is cached by content hash."""
    from gongkai.pipeline import extract_group, extract_record

    if ref.sha256 is None:
        raise BadDocument(f"not fetched: {ref.fetch_error or 'no bytes'}")
    try:
        record = extract_group([Path(m) for m in ref.members]) if ref.members else extract_record(Path(ref.path))
    except NotAReport as exc:
        return {"status": "skipped", "message": str(exc)}
    return {"status": "ok", "record": record.to_dict()}


def register(engine: Engine, ref: DocRef) -> int | None:
    """Record the document (status `fetched` when new; fetch details refreshed)."""
    from storage import register_document

    if ref.sha256 is None:
        return None
    return register_document(engine, ref.document_info())


def load(engine: Engine, ref: DocRef, extracted: Mapping[str, Any]) -> DocOutcome:
    """Put an extraction into the warehouse (idempotent). A record that breaks the contract
    (`InvalidRecord`, e.g. a scanned report with no agency) is this document's failure, not
    the run's. Database errors raise (the task retries them)."""
    from storage import InvalidRecord, load_record, mark_document

    doc = ref.document_info()
    if extracted["status"] == "skipped":
        mark_document(engine, doc, "skipped", extracted["message"])
        return _outcome(ref, "skipped", error=extracted["message"], error_class="NotAReport")
    rec = extracted["record"]
    doc = dataclasses.replace(doc, format=(rec.get("source") or {}).get("format") or doc.format)
    try:
        result = load_record(engine, rec, doc)
    except InvalidRecord as exc:
        return fail(engine, ref, exc)
    return _outcome(ref, "unchanged" if result.outcome == "unchanged" else "loaded", report_id=result.report_id,
                    agency=rec.get("agency"), year=rec.get("year"),
                    findings=sorted({f["rule"] for f in rec.get("findings") or []}))


def fail(engine: Engine | None, ref: DocRef, exc: BaseException) -> DocOutcome:
    """Record a document's failure (class and message; attempts + 1) and return it as data.
    With `engine` None (the database itself is down) nothing is recorded."""
    from storage import record_failure

    kind = type(exc).__name__
    message = str(exc) if isinstance(exc, (BadDocument, Transient)) or kind == "InvalidRecord" \
        else f"{kind}: {exc}"
    if engine is not None and ref.sha256:
        record_failure(engine, ref.document_info(), exc)
    return _outcome(ref, "failed", error=message or kind, error_class=kind)


def _outcome(ref: DocRef, status: str, **fields: Any) -> DocOutcome:
    return DocOutcome(path=ref.path or ref.url or "", status=status, sha256=ref.sha256, url=ref.url,  # type: ignore[arg-type]
                      **fields)


def busy(ref: DocRef) -> DocOutcome:
    return _outcome(ref, "busy", error="another run is processing this document")


# ---- which errors are worth a retry -------------------------------------------------------

def is_transient(exc: BaseException | None) -> bool:
    """Worth retrying: gongkai's `Transient` (network, 429/5xx), the database being away
    (SQLAlchemy `OperationalError`/`InterfaceError`, a connection invalidated), a network
    `OSError`. Not: `BadDocument` and every other error of a document (they would fail the
    same way again), nor a timeout (a document that took too long takes too long again)."""
    if exc is None or isinstance(exc, BadDocument):
        return False
    if isinstance(exc, Transient):
        return True
    try:
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, TimeoutError):
        return False
    return isinstance(exc, (ConnectionError, BrokenPipeError))


# ---- what the summary reports -------------------------------------------------------------

def findings_by_rule(engine: Engine, report_ids: Iterable[int]) -> dict[str, int]:
    """Findings (checks, structural, cross-year) of these reports, counted by rule, as the
    warehouse holds them after the load (cross-year findings are computed there)."""
    from sqlalchemy import func, select

    from storage.models import Finding

    ids = sorted({i for i in report_ids if i is not None})
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):
            for rule, n in conn.execute(select(Finding.rule, func.count()).where(Finding.report_id.in_(ids[i:i + 500]))
                                        .group_by(Finding.rule)):
                counts[rule] = counts.get(rule, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def unique(refs: Iterable[DocRef]) -> list[DocRef]:
    """One ref per document (the same file under two URLs, or crawled and in the inbox):
    the first one wins."""
    out: dict[str, DocRef] = {}
    for ref in refs:
        if ref.key not in out:
            out[ref.key] = ref
    return list(out.values())
