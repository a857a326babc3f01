"""Loading canonical records into the warehouse: idempotent, atomic, with lineage.

`load_record` puts one record (the JSON `gongkai extract --json` prints) into the warehouse
in ONE transaction: the document row, the agency (matched per `storage.agencies`), the report,
its cells with their provenance, its findings, the history row, and the cross-year findings
of this year and the next. Either all of it lands or none of it does.

Why delete-insert, scoped to one report: a report's cells and findings are a function of the
one extraction that claimed it last. Replacing them wholesale is the only way a re-extraction
can also remove a cell or a finding the old one had; scoping the delete to that report's id
keeps every other report (and every concurrent load of another report) untouched, and the
transaction makes the replacement invisible until it is complete.

Idempotency: a record is identified by the SHA-256 of its canonical JSON (minus the local
file path, which says where the file was, not what it says). Loading the document whose
record the report already holds is a no-op: no row is written, not even a timestamp. Another
document (another format of the same report, or a newer download) or another extraction of
the same document replaces the report's content and adds a `report_documents` history row.

Records are prepared (validated, hashed, flattened into rows) before the transaction opens,
so that the write transaction, which on SQLite holds the database's one write lock, is short.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from sqlalchemy import Connection, Engine, delete, insert, or_, select, text, update

from core.hashing import sha256_file

from . import crossyear
from .agencies import agency_key, normalize_credit_code, resolve_agency
from .db import WRITE
from .models import DOCUMENT_STATUSES, Agency, Document, ReportFinding, Report, ReportCell, ReportDocument, utcnow

CELL_BATCH = 50
"""Cells per INSERT statement (progress is reported between batches)."""

STRUCTURAL_PREFIXES = ("table.", "row.")
CROSS_YEAR_RULES = (crossyear.CARRY_CHAIN, crossyear.IN_FORCE_CHAIN)
TABLE_KEYS = ("active", "applications", "review")
FETCH_FIELDS = frozenset({"source_url", "referrer_url", "fetched_at", "etag", "last_modified"})

Progress = Callable[[str, int], None]
"""`progress(stage, n)`: called with ("cells", cells inserted so far) after each batch of
cells, and ("findings", n) once they are in. Raising from it aborts the load (tests use this
to crash a load half-way)."""


class InvalidRecord(ValueError):
    """The record breaks the canonical-record contract (shared/spec/canonical-record.md)."""


@dataclass(frozen=True)
class DocumentInfo:
    """What the pipeline knows about one raw file. Only `sha256` is required."""

    sha256: str
    size: int | None = None
    media_type: str | None = None
    format: str | None = None
    filename: str | None = None
    path: str | None = None
    source_url: str | None = None
    referrer_url: str | None = None
    fetched_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "DocumentInfo":
        """The document a record names in its `source` (sha256, format, path)."""
        src = record.get("source") or {}
        sha = src.get("sha256")
        if not sha:
            raise InvalidRecord("record has no source.sha256 and no document was given")
        path = src.get("path")
        return cls(sha256=str(sha).lower(), format=src.get("format"), path=path,
                   filename=Path(path).name if path else None)

    @classmethod
    def from_path(cls, path: str | Path, *, sha256: str | None = None, **kwargs: Any) -> "DocumentInfo":
        """A local file (sha256 and size) for `register_document` / `load_record`. It is hashed
        unless its `sha256` is given: the caller already read it (a group's members)."""
        p = Path(path)
        kwargs.setdefault("filename", p.name)
        kwargs.setdefault("path", str(p))
        return cls(sha256=sha256 or sha256_file(p), size=p.stat().st_size, **kwargs)

    def columns(self) -> dict[str, Any]:
        """The non-null fields, as `documents` columns (times in UTC; a naive time is UTC)."""
        out = {k: v for k, v in self.__dict__.items() if v is not None and k != "sha256"}
        if isinstance(out.get("fetched_at"), datetime):
            out["fetched_at"] = _utc_naive(out["fetched_at"]).replace(tzinfo=timezone.utc)
        return out


@dataclass
class LoadResult:
    outcome: Literal["inserted", "replaced", "unchanged"]
    report_id: int
    agency_id: int
    document_id: int
    year: int
    cells: int = 0
    findings: int = 0
    cross_year_findings: int = 0
    previous_document_id: int | None = None
    removed_report_ids: list[int] = field(default_factory=list)
    """Reports this document claimed before under another (agency, year), now deleted."""
    superseded_document_ids: list[int] = field(default_factory=list)
    """Other documents from the same path or URL (older bytes), now `superseded`."""


# ---- preparation (outside the transaction) ------------------------------------------------

def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON, without `source.path` (where the file lay)."""
    rec = dict(record)
    if isinstance(rec.get("source"), Mapping):
        rec["source"] = {k: v for k, v in rec["source"].items() if k != "path"}
    blob = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _number(code: str, v: Any) -> float | int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InvalidRecord(f"cell {code}: {v!r} is not a number or null")
    if isinstance(v, float) and not math.isfinite(v):
        raise InvalidRecord(f"cell {code}: {v!r} is not finite")
    return v


def _opt_number(v: Any) -> float | int | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v if math.isfinite(v) else None


def finding_kind(f: Mapping[str, Any]) -> str:
    """check | structural | cross_year: the finding's own `kind` if valid, else by rule."""
    kind = f.get("kind")
    if kind in ("check", "structural", "cross_year"):
        return kind
    rule = str(f.get("rule", ""))
    if rule.startswith(STRUCTURAL_PREFIXES):
        return "structural"
    if rule in CROSS_YEAR_RULES:
        return "cross_year"
    return "check"


@dataclass
class Prepared:
    record_hash: str
    agency: str
    region: str | None
    year: int
    credit_code: str | None
    report: dict[str, Any]
    cells: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    document: DocumentInfo


def prepare(record: Mapping[str, Any], document: DocumentInfo | None = None) -> Prepared:
    """Validate a record and flatten it into rows (no database access)."""
    if not isinstance(record, Mapping):
        raise InvalidRecord("a record is a JSON object")
    agency = record.get("agency")
    if not isinstance(agency, str) or not agency.strip():
        raise InvalidRecord("record.agency is missing")
    year = record.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidRecord(f"record.year must be an int, not {year!r}")
    template = record.get("template")
    if template not in ("2019", "2021"):
        raise InvalidRecord(f"record.template must be '2019' or '2021', not {template!r}")
    region = record.get("region") or None
    published = record.get("published")
    try:
        published_d = date.fromisoformat(published) if published else None
    except (TypeError, ValueError) as e:
        raise InvalidRecord(f"record.published {published!r} is not an ISO date") from e
    cells = record.get("cells") or {}
    prov = record.get("provenance") or {}
    if not isinstance(cells, Mapping) or not isinstance(prov, Mapping):
        raise InvalidRecord("record.cells and record.provenance are objects")

    doc = document or DocumentInfo.from_record(record)
    src_sha = (record.get("source") or {}).get("sha256")
    if src_sha and str(src_sha).lower() != doc.sha256.lower():
        raise InvalidRecord(f"record.source.sha256 {src_sha} is not the document's {doc.sha256}")
    if doc.format is None and (record.get("source") or {}).get("format"):
        doc = DocumentInfo(**{**doc.__dict__, "format": record["source"]["format"]})

    metadata = dict(record.get("metadata") or {})
    tables = record.get("tables") or {}
    report = {
        "agency_name": agency.strip(), "region": region, "year": year, "template": template,
        "published": published_d,
        **{f"table_{k}": tables.get(k) for k in TABLE_KEYS},
        "extractor_version": record.get("extractor_version"),
        "metadata_json": metadata or None,
    }

    rows: list[dict[str, Any]] = []
    for code in sorted(set(cells) | set(prov)):
        value = _number(code, cells.get(code))
        p = prov.get(code) or {}
        if value is None and not p:
            continue  # not printed and nothing to say about it: absence is null
        bbox = p.get("bbox")
        if bbox is not None and (not isinstance(bbox, (list, tuple)) or len(bbox) != 4):
            raise InvalidRecord(f"provenance {code}: bbox must have 4 numbers, not {bbox!r}")
        raw = p.get("raw")
        position = {}
        for key, column in (("table", "table_index"), ("row", "row_index"), ("col", "col_index")):
            v = p.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise InvalidRecord(f"provenance {code}: {key} must be an int >= 0, not {v!r}")
            position[column] = v
        rows.append({
            "code": code, "value": value, "raw": None if raw is None else str(raw),
            "page": p.get("page"),
            "bbox_x0": bbox[0] if bbox else None, "bbox_top": bbox[1] if bbox else None,
            "bbox_x1": bbox[2] if bbox else None, "bbox_bottom": bbox[3] if bbox else None,
            "method": p.get("method"), "confidence": p.get("confidence"), **position,
        })

    findings: list[dict[str, Any]] = []
    for f in record.get("findings") or []:
        if not isinstance(f, Mapping) or not f.get("rule"):
            raise InvalidRecord(f"finding without a rule: {f!r}")
        exp, act = f.get("expected"), f.get("actual")
        extra = {k: v for k, v in f.items()
                 if k not in ("rule", "column", "expected", "actual", "message", "kind", "cells")}
        if exp is not None and _opt_number(exp) is None:
            extra["expected"] = exp
        if act is not None and _opt_number(act) is None:
            extra["actual"] = act
        cells_ref = f.get("cells")
        findings.append({
            "kind": finding_kind(f), "rule": str(f["rule"]),
            "column_code": None if f.get("column") is None else str(f["column"]),
            "expected": _opt_number(exp), "actual": _opt_number(act), "message": f.get("message"),
            "cells": list(cells_ref) if cells_ref else None, "detail": extra or None,
        })

    return Prepared(record_sha256(record), agency.strip(), region, year,
                    normalize_credit_code(metadata.get("credit_code")), report, rows, findings, doc)


# ---- documents ----------------------------------------------------------------------------

def _upsert_document(conn: Connection, doc: DocumentInfo, status: str = "fetched") -> tuple[int, dict[str, Any]]:
    """The document's id and current row, inserted with `status` if new.

    An existing row is never erased: facts about the bytes (size, media type, format,
    filename, path) are filled once, when first known, so finding the same file under another
    name changes nothing; facts about the fetch (URLs, fetch time, ETag, Last-Modified) follow
    the latest fetch. Safe against a concurrent insert of the same file (INSERT … ON CONFLICT
    DO NOTHING on both databases)."""
    cols = doc.columns()
    now = utcnow()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only the two supported databases
        dialect_insert = None
    values = {"sha256": doc.sha256, "status": status, "attempts": 0, "created_at": now, "updated_at": now, **cols}
    if dialect_insert is not None:
        conn.execute(dialect_insert(Document).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))
    row = conn.execute(select(*Document.__table__.c).where(Document.sha256 == doc.sha256)).mappings().first()
    if row is None:  # pragma: no cover - other dialects
        conn.execute(insert(Document).values(**values))
        row = conn.execute(select(*Document.__table__.c).where(Document.sha256 == doc.sha256)).mappings().one()
    changes = {k: v for k, v in cols.items()
               if row[k] != v and not _same_time(row[k], v) and (row[k] is None or k in FETCH_FIELDS)}
    if changes:
        conn.execute(update(Document).where(Document.id == row["id"]).values(**changes, updated_at=now))
        row = {**row, **changes}
    return row["id"], dict(row)


def _same_time(a: Any, b: Any) -> bool:
    """SQLite hands back naive datetimes (stored in UTC): compare instants, not spellings."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _utc_naive(a) == _utc_naive(b)
    return False


def _utc_naive(t: datetime) -> datetime:
    return t if t.tzinfo is None else t.astimezone(timezone.utc).replace(tzinfo=None)


def _set_status(conn: Connection, doc_id: int, row: Mapping[str, Any], status: str) -> None:
    if row["status"] != status or row["error_class"] is not None or row["error_message"] is not None:
        conn.execute(update(Document).where(Document.id == doc_id).values(
            status=status, error_class=None, error_message=None, updated_at=utcnow()))


def register_document(engine: Engine, document: DocumentInfo) -> int:
    """Record a fetched file (status `fetched` when new; an existing document keeps its status
    and gains whatever fetch details it lacked). Returns the document id."""
    with engine.execution_options(**WRITE).begin() as conn:
        doc_id, _ = _upsert_document(conn, document)
        return doc_id


def mark_document(engine: Engine, document: DocumentInfo | str, status: str, message: str | None = None) -> int:
    """Set a document's status (`extracted`, `skipped` for a file that is not a report, …).
    `message` says why (kept in error_message for `skipped`)."""
    if status not in DOCUMENT_STATUSES:
        raise ValueError(f"unknown document status {status!r}; one of {DOCUMENT_STATUSES}")
    doc = DocumentInfo(sha256=document) if isinstance(document, str) else document
    with engine.execution_options(**WRITE).begin() as conn:
        doc_id, _ = _upsert_document(conn, doc, status=status)
        conn.execute(update(Document).where(Document.id == doc_id).values(
            status=status, error_class=None, error_message=message, updated_at=utcnow()))
        return doc_id


def record_failure(engine: Engine, document: DocumentInfo | str, exc: BaseException) -> int:
    """Mark a document failed with the error's class and message; attempts + 1.

    Runs in its own short transaction, so a failure is recorded even when the load that
    failed rolled back. Returns the document id."""
    doc = DocumentInfo(sha256=document) if isinstance(document, str) else document
    cls = type(exc)
    name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    with engine.execution_options(**WRITE).begin() as conn:
        doc_id, _ = _upsert_document(conn, doc, status="failed")
        conn.execute(update(Document).where(Document.id == doc_id).values(
            status="failed", error_class=name, error_message=str(exc)[:4000] or None,
            attempts=Document.attempts + 1, updated_at=utcnow()))
        return doc_id


# ---- the load -----------------------------------------------------------------------------

def _lock_agency(conn: Connection, prepared: Prepared) -> None:
    """PostgreSQL: serialize loads of the same agency (agency matching and the cross-year
    findings of neighbouring years read what a concurrent load may be writing). Loads of other
    agencies go on in parallel. SQLite needs nothing: BEGIN IMMEDIATE already serializes."""
    if conn.dialect.name != "postgresql":
        return
    name_key, rkey = agency_key(prepared.agency, prepared.region)
    digest = hashlib.sha256(f"gongkai.agency\x00{name_key}\x00{rkey}".encode()).digest()
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int.from_bytes(digest[:8], "big", signed=True)})


def load_record(engine: Engine, record: Mapping[str, Any], document: DocumentInfo | None = None,
                progress: Progress | None = None) -> LoadResult:
    """Load one canonical record in one transaction (see the module docstring).

    `document` describes the file the record was extracted from; by default the record's own
    `source` (sha256, format, path). Raises `InvalidRecord` before touching the database when
    the record breaks the contract.
    """
    prepared = prepare(record, document)
    with engine.execution_options(**WRITE).begin() as conn:
        return _load(conn, prepared, progress)


def _load(conn: Connection, p: Prepared, progress: Progress | None) -> LoadResult:
    doc_id, doc_row = _upsert_document(conn, p.document)
    _lock_agency(conn, p)
    agency = resolve_agency(conn, p.agency, p.region, p.credit_code, p.year)
    existing = conn.execute(select(Report.id, Report.document_id, Report.record_sha256).where(
        Report.agency_id == agency.agency_id, Report.year == p.year)).first()

    if existing is not None and existing.document_id == doc_id and existing.record_sha256 == p.record_hash:
        _set_status(conn, doc_id, doc_row, "loaded")
        return LoadResult("unchanged", existing.id, agency.agency_id, doc_id, p.year,
                          previous_document_id=doc_id,
                          superseded_document_ids=_supersede(conn, doc_id, doc_row, p.document))

    now = utcnow()
    values = {**p.report, "agency_id": agency.agency_id, "document_id": doc_id,
              "record_sha256": p.record_hash, "loaded_at": now}
    if existing is None:
        report_id = conn.execute(insert(Report).values(**values).returning(Report.id)).scalar_one()
        outcome: Literal["inserted", "replaced"] = "inserted"
    else:
        report_id = existing.id
        conn.execute(delete(ReportCell).where(ReportCell.report_id == report_id))
        conn.execute(delete(ReportFinding).where(ReportFinding.report_id == report_id))
        conn.execute(update(Report).where(Report.id == report_id).values(**values))
        outcome = "replaced"

    for i in range(0, len(p.cells), CELL_BATCH):
        conn.execute(insert(ReportCell), [{"report_id": report_id, **c} for c in p.cells[i:i + CELL_BATCH]])
        if progress:
            progress("cells", min(i + CELL_BATCH, len(p.cells)))
    if p.findings:
        conn.execute(insert(ReportFinding), [{"report_id": report_id, **f} for f in p.findings])
    if progress:
        progress("findings", len(p.findings))

    claimed = conn.execute(select(ReportDocument.id).where(
        ReportDocument.report_id == report_id, ReportDocument.document_id == doc_id,
        ReportDocument.record_sha256 == p.record_hash)).scalar()
    if claimed is None:
        conn.execute(insert(ReportDocument).values(report_id=report_id, document_id=doc_id,
                                                   record_sha256=p.record_hash,
                                                   extractor_version=p.report["extractor_version"],
                                                   claimed_at=now))
    else:  # the same extraction claims it back from another document
        conn.execute(update(ReportDocument).where(ReportDocument.id == claimed).values(claimed_at=now))

    removed = _drop_stale_claims(conn, doc_id, report_id)
    _update_agency_display(conn, agency.agency_id, p)
    cross = crossyear.refresh_around(conn, agency.agency_id, p.year)
    _set_status(conn, doc_id, doc_row, "loaded")
    return LoadResult(outcome, report_id, agency.agency_id, doc_id, p.year, cells=len(p.cells),
                      findings=len(p.findings), cross_year_findings=cross.get(report_id, 0),
                      previous_document_id=None if existing is None else existing.document_id,
                      removed_report_ids=removed,
                      superseded_document_ids=_supersede(conn, doc_id, doc_row, p.document))


def _supersede(conn: Connection, doc_id: int, row: Mapping[str, Any], doc: DocumentInfo) -> list[int]:
    """The document has loaded: every other document from the same local path or the same
    URL (older bytes of a replaced file or a re-published report) becomes `superseded`,
    whatever its status was; a failure of the old bytes is then no longer one to fix. Bytes
    that come back later and load supersede the newer ones in turn."""
    paths = {v for v in (row.get("path"), doc.path) if v}
    urls = {v for v in (row.get("source_url"), doc.source_url) if v}
    if not paths and not urls:
        return []
    where = []
    if paths:
        where.append(Document.path.in_(sorted(paths)))
    if urls:
        where.append(Document.source_url.in_(sorted(urls)))
    ids = list(conn.execute(select(Document.id).where(
        Document.id != doc_id, Document.status != "superseded", or_(*where)).order_by(Document.id)).scalars())
    if ids:
        conn.execute(update(Document).where(Document.id.in_(ids)).values(status="superseded", updated_at=utcnow()))
    return ids


def note_run(engine: Engine, document: DocumentInfo | str, run_name: str | None, run_url: str | None) -> int:
    """Record which run processed a document (its name, and a link to it in the Prefect UI),
    for `gongkai status` and the operator. Creates the document row if it is new. Returns
    the document id."""
    doc = DocumentInfo(sha256=document) if isinstance(document, str) else document
    with engine.execution_options(**WRITE).begin() as conn:
        doc_id, row = _upsert_document(conn, doc)
        if (row.get("run_name"), row.get("run_url")) != (run_name, run_url):
            conn.execute(update(Document).where(Document.id == doc_id).values(
                run_name=run_name, run_url=run_url, updated_at=utcnow()))
        return doc_id


def _drop_stale_claims(conn: Connection, doc_id: int, report_id: int) -> list[int]:
    """A document holds one report. If a new extraction of it names another (agency, year)
    (an extractor fix), the report it claimed before came from a mistake: delete it (cells,
    findings and history go with it) and refresh its neighbours' cross-year findings."""
    stale = conn.execute(select(Report.id, Report.agency_id, Report.year).where(
        Report.document_id == doc_id, Report.id != report_id)).all()
    for r in stale:
        conn.execute(delete(ReportCell).where(ReportCell.report_id == r.id))
        conn.execute(delete(ReportFinding).where(ReportFinding.report_id == r.id))
        conn.execute(delete(ReportDocument).where(ReportDocument.report_id == r.id))
        conn.execute(delete(Report).where(Report.id == r.id))
        crossyear.refresh_around(conn, r.agency_id, r.year)
    return [r.id for r in stale]


def _update_agency_display(conn: Connection, agency_id: int, p: Prepared) -> None:
    """An agency is shown under the name (and region) of its latest report."""
    latest = conn.execute(select(Report.year).where(Report.agency_id == agency_id)
                          .order_by(Report.year.desc()).limit(1)).scalar()
    if latest is not None and p.year < latest:
        return
    row = conn.execute(select(Agency.name, Agency.region).where(Agency.id == agency_id)).one()
    region = p.region or row.region
    if (row.name, row.region) != (p.agency, region):
        name_key, rkey = agency_key(p.agency, region)
        conn.execute(update(Agency).where(Agency.id == agency_id).values(
            name=p.agency, region=region, name_key=name_key, region_key=rkey, updated_at=utcnow()))
