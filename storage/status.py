"""What the warehouse holds and what went wrong: `gongkai db status`."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, inspect, select

from .migrate import current_revision, head_revision
from .models import DOCUMENT_STATUSES, FINDING_KINDS, Agency, Document, ReportFinding, Report, ReportCell


def status_summary(engine: Engine, failures: int = 10) -> dict[str, Any]:
    """Counts by document status, of agencies, reports (by year), cells and findings (by kind),
    and the `failures` most recent failed documents with their errors, where they came from
    (path, URL) and the run that last tried them (run_name, run_url). A document whose file
    was replaced by bytes that loaded is `superseded`, not failed: once every failure is
    fixed, `documents["failed"]` is 0.

    Every status and kind is present (0 when none) so that callers can print a stable table.
    An unmigrated database gives {"migrated": False} and nothing else.
    """
    with engine.connect() as conn:
        if not inspect(conn).has_table("documents"):
            return {"migrated": False}
        revision, head = current_revision(engine), head_revision()
        if revision != head:  # an older schema: `gongkai db upgrade` first
            return {"migrated": False, "revision": revision, "head": head}
        docs = dict.fromkeys(DOCUMENT_STATUSES, 0)
        docs.update({s: n for s, n in conn.execute(
            select(Document.status, func.count()).group_by(Document.status))})
        kinds = dict.fromkeys(FINDING_KINDS, 0)
        kinds.update({k: n for k, n in conn.execute(select(ReportFinding.kind, func.count()).group_by(ReportFinding.kind))})
        by_year = {y: n for y, n in conn.execute(
            select(Report.year, func.count()).group_by(Report.year).order_by(Report.year))}
        recent = conn.execute(
            select(Document.sha256, Document.filename, Document.path, Document.source_url, Document.error_class,
                   Document.error_message, Document.attempts, Document.updated_at, Document.run_name,
                   Document.run_url)
            .where(Document.status == "failed")
            .order_by(Document.updated_at.desc(), Document.id.desc())
            .limit(failures)).mappings().all()
        return {
            "migrated": True,
            "revision": revision,
            "documents": docs,
            "documents_total": sum(docs.values()),
            "agencies": conn.execute(select(func.count()).select_from(Agency)).scalar_one(),
            "reports": sum(by_year.values()),
            "reports_by_year": by_year,
            "cells": conn.execute(select(func.count()).select_from(ReportCell)).scalar_one(),
            "findings": kinds,
            "recent_failures": [dict(r) for r in recent],
        }
