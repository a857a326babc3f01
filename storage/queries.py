"""Read-only questions the processing path asks the warehouse: what it knows of some
documents, where a document's bytes were, what a run's reports were found to break."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine

from .models import Document, ReportFinding

BATCH = 500  # ids per IN (...) list: well under every database's bound-parameter limit


def document_states(engine: Engine, shas: Iterable[str]) -> dict[str, tuple[str, int]]:
    """sha256 → (documents.status, attempts) for the documents the warehouse knows."""
    shas = sorted({s for s in shas if s})
    out: dict[str, tuple[str, int]] = {}
    with engine.connect() as conn:
        if not inspect(conn).has_table("documents"):
            return out
        for i in range(0, len(shas), BATCH):
            for sha, status, attempts in conn.execute(select(Document.sha256, Document.status, Document.attempts)
                                                      .where(Document.sha256.in_(shas[i:i + BATCH]))):
                out[sha] = (status, attempts or 0)
    return out


def document_row(engine: Engine, sha256: str) -> Mapping[str, Any] | None:
    """A document's recorded path and URLs, or None when the warehouse does not know it."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("documents"):
            return None
        return conn.execute(select(Document.path, Document.source_url, Document.referrer_url)
                            .where(Document.sha256 == sha256.lower())).mappings().first()


def documents_in(engine: Engine, status: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The documents in `status` (or every one, `all`, but the superseded: their path or URL
    has newer bytes, which processing them again would roll back), oldest first: sha256,
    path, URLs."""
    q = select(Document.sha256, Document.path, Document.source_url, Document.referrer_url).order_by(Document.id)
    if status != "all":
        q = q.where(Document.status == status)
    else:
        q = q.where(Document.status != "superseded")
    if limit:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def findings_by_rule(engine: Engine, report_ids: Iterable[int | None]) -> dict[str, int]:
    """Findings (checks, structural, cross-year) of these reports, counted by rule, as the
    warehouse holds them after the load (cross-year findings are computed there)."""
    ids = sorted({i for i in report_ids if i is not None})
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for i in range(0, len(ids), BATCH):
            for rule, n in conn.execute(select(ReportFinding.rule, func.count())
                                        .where(ReportFinding.report_id.in_(ids[i:i + BATCH])).group_by(ReportFinding.rule)):
                counts[rule] = counts.get(rule, 0) + n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
