"""Ingest: one file → extract → normalize → validate → load, with its outcome recorded.

The CLI (`gongkai load`), the tests and the Prefect flows all call `process_file`, so a
document is processed the same way everywhere. Bad input costs that document only: its
error is recorded in the warehouse (`documents.status = failed`, with the error class and
message) and returned as data; the caller goes on with the next one.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Engine

from core.errors import BadDocument, NotAReport
from gongkai.pipeline import extract_group, extract_record, group_digest

Status = Literal["loaded", "unchanged", "failed", "skipped"]


@dataclass
class Outcome:
    path: str
    status: Status
    sha256: str | None = None
    report_id: int | None = None
    agency: str | None = None
    year: int | None = None
    findings: list[str] = field(default_factory=list)
    error: str | None = None
    error_class: str | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def process_file(engine: Engine, path: Path | str, *, source_url: str | None = None,
                 referrer_url: str | None = None, members: list[Path] | None = None) -> Outcome:
    """Extract one file (or `members` read together as one report) and load its record.

    Unreadable files are recorded as `failed`, files that hold no report as `skipped`;
    neither raises. Errors of the warehouse itself (database down) do raise: they are
    worth a retry, not a verdict on the document.
    """
    from storage import DocumentInfo, InvalidRecord, load_record, mark_document, register_document

    path = Path(path)
    if not path.is_file():  # nothing to keep or record: not a document
        return Outcome(str(path), "failed", error=f"no such file: {path}", error_class="BadDocument")
    doc = DocumentInfo.from_path(path, source_url=source_url, referrer_url=referrer_url)
    if members:
        # Several files, one report: each file is a document of its own (lineage), and the
        # report's document is the group, identified by its members' hashes.
        parts = [DocumentInfo.from_path(m) for m in members]
        for part in parts:
            register_document(engine, part)
        doc = DocumentInfo(sha256=group_digest([p.sha256 for p in parts]), format="group",
                           filename=path.parent.name or path.name, path=str(path.parent),
                           source_url=referrer_url or source_url, size=sum(p.size or 0 for p in parts))
    register_document(engine, doc)
    try:
        record = extract_group(members) if members else extract_record(path)
    except NotAReport as exc:
        mark_document(engine, doc, "skipped", str(exc))
        return Outcome(str(path), "skipped", doc.sha256, error=str(exc), error_class=type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 — any extractor defect is this document's failure
        return _failed(engine, doc, path, exc)
    rec = record.to_dict()
    doc = dataclasses.replace(doc, format=rec["source"].get("format"))
    try:
        result = load_record(engine, rec, doc)
    except InvalidRecord as exc:  # a record the warehouse cannot key (no agency or year): this document's
        return _failed(engine, doc, path, exc)
    return Outcome(str(path), "unchanged" if result.outcome == "unchanged" else "loaded", doc.sha256,
                   result.report_id, rec.get("agency"), rec.get("year"), sorted({f["rule"] for f in rec["findings"]}))


def _failed(engine: Engine, doc, path: Path, exc: Exception) -> Outcome:
    from storage import record_failure

    record_failure(engine, doc, exc)
    kind = type(exc).__name__
    msg = str(exc) if isinstance(exc, (BadDocument, ValueError)) else f"internal error ({kind}: {exc})"
    return Outcome(str(path), "failed", doc.sha256, error=msg, error_class=kind)
