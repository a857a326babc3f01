"""One document's processing — the only one: register → extract → load, or fail / skip.

The CLI (`gongkai load`, `gongkai crawl --load`), the tests and the Prefect flows all go
through these functions, so a document is processed the same way whichever command meets it.
`process` runs the steps in one call; the flows call the steps one by one, because that is
where Prefect needs its seams: extraction is the slow, cacheable, scalable part (a task keyed
on the content hash, possibly on a Dask worker) and needs no database; the warehouse writes
are the retryable part (a database restart is worth a retry, a broken PDF is not).

Bad input costs that document only: its error is recorded in the warehouse (`documents.status
= failed`, with the error class and message) and returned as data. Errors of the warehouse
itself (the database is down) raise: they are worth a retry, not a verdict on the document.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from sqlalchemy.engine import Engine

from core.errors import BadDocument, NotAReport, Transient
from gongkai.documents import DocRef, ref_from_members, ref_from_path

OutcomeStatus = Literal["loaded", "unchanged", "failed", "skipped", "busy"]


@dataclass
class Outcome:
    """What happened to one document. `busy`: another run held it and it was left alone."""

    path: str
    status: OutcomeStatus
    sha256: str | None = None
    report_id: int | None = None
    agency: str | None = None
    year: int | None = None
    findings: list[str] = field(default_factory=list)
    error: str | None = None
    error_class: str | None = None
    url: str | None = None
    run_name: str | None = None
    run_url: str | None = None

    @property
    def name(self) -> str:
        where = self.path or self.url or ""
        return where.rstrip("/").rsplit("/", 1)[-1] or (self.sha256 or "?")[:12]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def register(engine: Engine, ref: DocRef) -> int | None:
    """Record the document (status `fetched` when new; fetch details refreshed); a group's
    member files are recorded too (lineage)."""
    from storage import register_document

    if ref.sha256 is None:
        return None
    for part in ref.member_infos():
        register_document(engine, part)
    return register_document(engine, ref.document_info())


def extract(ref: DocRef) -> dict[str, Any]:
    """Bytes → `{"status": "ok", "record": {...}}`, or `{"status": "skipped", "message": ...}`
    for a readable file that holds no report. Raises BadDocument (terminal; `ResourceLimit`
    when the file ran out of its memory, CPU or time budget) or whatever the extractor raises.
    No database access: this is the part that runs on Dask workers and whose result is cached
    by content hash. The extraction runs in a child process (`gongkai.sandbox`): a hostile
    file costs its own budget, never the worker."""
    from gongkai.sandbox import extract_in_child

    if ref.sha256 is None:
        raise BadDocument(f"not fetched: {ref.fetch_error or 'no bytes'}")
    try:
        record = extract_in_child([Path(m) for m in (ref.members or (ref.path,))],
                                  hashes=list(ref.member_hashes) or None)
    except NotAReport as exc:
        return {"status": "skipped", "message": str(exc)}
    return {"status": "ok", "record": record.to_dict()}


def load(engine: Engine, ref: DocRef, extracted: Mapping[str, Any]) -> Outcome:
    """Put an extraction into the warehouse (idempotent). A record that breaks the contract
    (`InvalidRecord`, e.g. a scanned report with no agency) is this document's failure, not
    the run's. Database errors raise (the task retries them)."""
    from storage import InvalidRecord, load_record, mark_document

    doc = ref.document_info()
    if extracted["status"] == "skipped":
        mark_document(engine, doc, "skipped", extracted["message"])
        return outcome(ref, "skipped", error=extracted["message"], error_class="NotAReport")
    rec = extracted["record"]
    doc = dataclasses.replace(doc, format=(rec.get("source") or {}).get("format") or doc.format)
    try:
        result = load_record(engine, rec, doc)
    except InvalidRecord as exc:
        return fail(engine, ref, exc)
    return outcome(ref, "unchanged" if result.outcome == "unchanged" else "loaded", report_id=result.report_id,
                   agency=rec.get("agency"), year=rec.get("year"),
                   findings=sorted({f["rule"] for f in rec.get("findings") or []}))


def fail(engine: Engine | None, ref: DocRef, exc: BaseException) -> Outcome:
    """Record a document's failure (class and message; attempts + 1) and return it as data.
    With `engine` None (the database itself is down) nothing is recorded."""
    from storage import record_failure

    if engine is not None and ref.sha256:
        record_failure(engine, ref.document_info(), exc)
    return outcome(ref, "failed", error=error_message(exc), error_class=type(exc).__name__)


def process(engine: Engine, ref: DocRef) -> Outcome:
    """register → extract → load, in this process; a document's failure is recorded and
    returned, the warehouse's own errors raise."""
    register(engine, ref)
    try:
        extracted = extract(ref)
    except Exception as exc:  # noqa: BLE001 — any extractor defect is this document's failure
        return fail(engine, ref, exc)
    return load(engine, ref, extracted)


def process_file(engine: Engine, path: Path | str, *, source_url: str | None = None,
                 referrer_url: str | None = None, members: list[Path] | None = None) -> Outcome:
    """`process` for a local file, or for `members` read together as one report."""
    path = Path(path)
    try:
        ref = (ref_from_members(members, url=source_url, page_url=referrer_url) if members
               else ref_from_path(path, url=source_url, page_url=referrer_url))
    except (BadDocument, OSError) as exc:  # nothing to keep or record: not a document
        return Outcome(str(path), "failed", error=f"no such file: {path}" if isinstance(exc, OSError) else str(exc),
                       error_class="BadDocument")
    return process(engine, ref)


def outcome(ref: DocRef, status: OutcomeStatus, **fields: Any) -> Outcome:
    return Outcome(path=ref.path or ref.url or "", status=status, sha256=ref.sha256, url=ref.url, **fields)


def error_message(exc: BaseException) -> str:
    """The one line an operator reads: a document's own error as it is; a defect of gongkai
    named as one (with its class), so that nobody mistakes it for a broken file."""
    kind = type(exc).__name__
    if isinstance(exc, (BadDocument, Transient)) or kind == "InvalidRecord":
        return str(exc) or kind
    return f"internal error ({kind}: {exc})"


# ---- which documents to process, and which errors are worth a retry -----------------------

DONE = ("loaded", "skipped", "superseded")
MAX_ATTEMPTS = 3
MAX_ATTEMPTS_ENV = "GONGKAI_MAX_ATTEMPTS"


def max_attempts_setting(environ: Mapping[str, str] | None = None) -> int:
    """`GONGKAI_MAX_ATTEMPTS` (default 3): failures after which a run stops retrying an
    unchanged document."""
    import os

    raw = (os.environ if environ is None else environ).get(MAX_ATTEMPTS_ENV, "").strip()
    try:
        value = int(raw) if raw else MAX_ATTEMPTS
    except ValueError:
        raise ValueError(f"{MAX_ATTEMPTS_ENV}={raw!r}: not an int") from None
    if value < 1:
        raise ValueError(f"{MAX_ATTEMPTS_ENV}={value!r}: must be an integer >= 1")
    return value


def needs_processing(state: tuple[str, int] | None, max_attempts: int) -> bool:
    """Whether a document a run sees should be processed: never seen, or not finished (a
    crashed run left it `fetched`/`extracted`), or failed fewer than `max_attempts` times.
    Loaded and skipped documents are done until `reprocess`."""
    if state is None:
        return True
    status, attempts = state
    if status in DONE:
        return False
    return status != "failed" or attempts < max_attempts


def given_up(ref: DocRef, state: tuple[str, int] | None, max_attempts: int) -> bool:
    """A document failed `max_attempts` times already (the warehouse's attempts), or its URL
    failed to fetch more than `max_attempts` crawls in a row (tonight's included): the nightly
    run stops retrying it and no longer fails because of it (the summary counts it as
    given up; `reprocess` or a process-document run still takes it)."""
    if ref.sha256 is None:
        return ref.fetch_attempts > max_attempts
    return state is not None and state[0] == "failed" and state[1] >= max_attempts


@dataclass
class Plan:
    """Which of the documents a run found it processes (`todo`), and how many it leaves:
    done before (`already`: loaded or skipped) or failed too often (`given_up`)."""

    todo: list[DocRef]
    already: int = 0
    given_up: int = 0


def plan(engine: Engine, refs: list[DocRef], max_attempts: int) -> Plan:
    """What a run should process of `refs` (see `needs_processing` and `given_up`)."""
    from storage.queries import document_states

    states = document_states(engine, [r.sha256 for r in refs if r.sha256])
    out = Plan([])
    for r in refs:
        st = states.get(r.sha256) if r.sha256 else None
        if given_up(r, st, max_attempts):
            out.given_up += 1
        elif r.sha256 is None or needs_processing(st, max_attempts):
            out.todo.append(r)
        else:
            out.already += 1
    return out


def is_transient(exc: BaseException | None) -> bool:
    """Worth retrying: gongkai's `Transient` (network, 429/5xx), the database being away
    (`storage.db.is_outage`), a network `OSError`. Not: `BadDocument` and every other error of
    a document (they would fail the same way again), nor a timeout (a document that took too
    long takes too long again)."""
    from storage.db import is_outage

    if exc is None or isinstance(exc, BadDocument):
        return False
    if isinstance(exc, Transient) or is_outage(exc):
        return True
    if isinstance(exc, TimeoutError):
        return False
    return isinstance(exc, (ConnectionError, BrokenPipeError))
